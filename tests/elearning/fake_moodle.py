"""A local HTTP server that speaks Moodle's REST web-service protocol for the three
functions ParcoursPro calls: form-encoded parameters with flattened arrays
(`users[0][username]`), JSON replies, errors as Moodle's exception objects with HTTP 200.

It keeps users and enrolments in memory, and can be made unavailable (`mode = "503"`,
`"garbage"`, `"slow"`) or refuse everything with a wrong token.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

ENDPOINT = "/webservice/rest/server.php"
KEY = re.compile(r"\[([^\]]*)\]")


def unflatten(pairs) -> dict:
    """users[0][username]=x → {"users": [{"username": "x"}]}, as PHP parses it."""
    root: dict = {}
    for name, value in pairs:
        head = name.split("[", 1)[0]
        keys = [head, *KEY.findall(name[len(head) :])]
        node = root
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return _lists(root)


def _lists(node):
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_lists(node[key]) for key in sorted(node, key=int)]
    return {key: _lists(value) for key, value in node.items()}


def moodle_exception(errorcode: str, message: str, exception: str = "moodle_exception") -> dict:
    return {"exception": exception, "errorcode": errorcode, "message": message}


class FakeMoodle:
    def __init__(self, *, token: str, courses=(42,)):
        self.token = token
        self.courses = set(courses)
        self.users: dict[int, dict] = {}
        self.enrolments: dict[tuple[int, int], dict] = {}
        self.calls: list[tuple[str, dict]] = []
        self.mode = "up"  # or "503", "garbage", "slow"
        # Lookups that find nobody, as when another worker creates the account meanwhile.
        self.blind_lookups = 0
        self._next_id = 100
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/moodle"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def add_user(self, username: str, **fields) -> int:
        with self._lock:
            self._next_id += 1
            self.users[self._next_id] = {"id": self._next_id, "username": username, **fields}
            return self._next_id

    def functions_called(self) -> list[str]:
        return [function for function, _ in self.calls]

    # The protocol

    def answer(self, params: dict):
        if params.get("moodlewsrestformat") != "json":
            return moodle_exception("invalidparameter", "Invalid parameter value detected")
        if params.get("wstoken") != self.token:
            return moodle_exception("invalidtoken", "Invalid token - token not found")
        function = params.get("wsfunction", "")
        self.calls.append((function, params))
        handler = getattr(self, function, None)
        if handler is None:
            return moodle_exception(
                "accessexception", "Access control exception", "webservice_access_exception"
            )
        with self._lock:
            return handler(params)

    def core_user_get_users_by_field(self, params):
        field, values = params["field"], params.get("values", [])
        if self.blind_lookups:
            self.blind_lookups -= 1
            return []
        return [user for user in self.users.values() if str(user.get(field)) in values]

    def core_user_create_users(self, params):
        created = []
        for user in params["users"]:
            if any(u["username"] == user["username"] for u in self.users.values()):
                return moodle_exception(
                    "invalidparameter",
                    f"Invalid parameter value detected (Username already exists: "
                    f"{user['username']})",
                    "invalid_parameter_exception",
                )
            if any(u.get("email") == user["email"] for u in self.users.values()):
                # $CFG->allowaccountssameemail is off by default.
                return moodle_exception(
                    "invalidparameter",
                    f"Invalid parameter value detected (Email address already exists: "
                    f"{user['email']})",
                    "invalid_parameter_exception",
                )
            self._next_id += 1
            self.users[self._next_id] = {"id": self._next_id, **user}
            created.append({"id": self._next_id, "username": user["username"]})
        return created

    def enrol_manual_enrol_users(self, params):
        for enrolment in params["enrolments"]:
            course, user = int(enrolment["courseid"]), int(enrolment["userid"])
            if course not in self.courses:
                return moodle_exception(
                    "invalidrecord",
                    "Can't find data record in database table course.",
                    "dml_missing_record_exception",
                )
            if user not in self.users:
                return moodle_exception(
                    "invalidrecord",
                    "Can't find data record in database table user.",
                    "dml_missing_record_exception",
                )
            self.enrolments[(user, course)] = {
                "roleid": int(enrolment["roleid"]),
                "timestart": int(enrolment.get("timestart", 0)),
                "timeend": int(enrolment.get("timeend", 0)),
                "status": "suspended" if int(enrolment.get("suspend", 0)) else "active",
            }
        return None

    def _handler(self):
        moodle = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                if self.path != "/moodle" + ENDPOINT:
                    return self._reply(404, b"Not found", "text/plain")
                if moodle.mode == "503":
                    return self._reply(503, b"<h1>Maintenance</h1>", "text/html")
                if moodle.mode == "garbage":
                    return self._reply(200, b"<html>Site en maintenance</html>", "text/html")
                if moodle.mode == "slow":
                    time.sleep(1.5)
                params = unflatten(parse_qsl(body, keep_blank_values=True))
                reply = json.dumps(moodle.answer(params)).encode()
                # Moodle answers its errors with HTTP 200 too.
                return self._reply(200, reply, "application/json")

            def _reply(self, status, body, content_type):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # The client may have given up waiting ("slow").
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

        return Handler


def closed_port_url() -> str:
    """An address where nothing listens (Moodle down)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/moodle"
