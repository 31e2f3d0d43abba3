"""A local HTTP server that behaves as Moodle's code does for what ParcoursPro uses (4.5 LTS
and 5.x; each rule names the Moodle code it follows):

- `webservice/rest/server.php`: with the web services or the REST protocol off, an empty
  HTTP 200 (`die;`); errors as JSON with HTTP 200 (`webservice_rest_server::generate_error`):
  `exception`, `errorcode`, `message`, and `debuginfo` only when debugging is on (its
  message then ends with « (debuginfo) » in DEVELOPER mode: `moodle_exception::__construct`).
- `webservice_server::authenticate_user`: an unknown token, a deleted, unconfirmed,
  suspended or « nologin » account, a missing webservice/rest:use, the site in maintenance;
  `load_function_info`: an unknown function (`invalidrecord`), one outside the token's
  service or a user not allowed for it (`accessexception`). Parameters are validated before
  the function runs (`webservice_base_server::execute`).
- The functions: `core_webservice_get_site_info`, `core_user_get_users_by_field` (what
  `user_get_user_details` lets the token see: moodle/user:viewdetails, viewalldetails,
  moodle/site:viewuseridentity), `core_user_create_users`, `core_user_update_users`,
  `enrol_manual_enrol_users` (`validate_context`: « Context does not exist » for an unknown
  course, `require_login` into it, enrol/manual:enrol, assignable roles, the manual instance;
  an existing enrolment's dates and status updated as `enrol_plugin::enrol_user` does).
- The OAuth 2 side: the issuer form (`issuer::validate_baseurl`, `endpoint::validate_url`:
  https only), discovery (endpoints, and every field mapping reset to the defaults of
  `openidconnect::create_field_mappings`) and `auth_oauth2\\auth::complete_login`.

It can also be made unavailable (`mode = "503"`, `"garbage"`, `"slow"`), or answer a
function with JSON of another shape (`overrides[function] = answer`).
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

ENDPOINT = "/webservice/rest/server.php"
KEY = re.compile(r"\[([^\]]*)\]")
RELEASE = "4.5.3 (Build: 20250317)"

# What the service « ParcoursPro » holds, and its account's system role, when set up as
# docs/E-PARCOURSPRO.md § 4.2 says.
SERVICE_FUNCTIONS = frozenset(
    {
        "core_webservice_get_site_info",
        "core_user_get_users_by_field",
        "core_user_create_users",
        "core_user_update_users",
        "enrol_manual_enrol_users",
    }
)
SERVICE_CAPABILITIES = frozenset(
    {
        "webservice/rest:use",
        "moodle/user:viewdetails",
        "moodle/user:viewalldetails",
        "moodle/site:viewuseridentity",
        "moodle/site:viewfullnames",
        "moodle/user:create",
        "moodle/user:update",
        "moodle/course:view",
        "moodle/course:viewhiddencourses",
        "enrol/manual:enrol",
        "moodle/role:assign",
    }
)
# The functions Moodle knows (the others: `invalidrecord` from external_function_info).
KNOWN_FUNCTIONS = SERVICE_FUNCTIONS | {"enrol_manual_unenrol_users", "core_user_get_users"}
# get_capability_string(), as required_capability_exception shows it.
CAPABILITY_NAMES = {
    "moodle/user:create": "Create users",
    "moodle/user:update": "Update user profile",
    "enrol/manual:enrol": "Enrol users",
}
# core_component::get_plugin_list('auth'), less mnet and webservice (create_users).
AUTH_PLUGINS = {"manual", "nologin", "email", "oauth2", "ldap", "cas", "db", "lti", "shibboleth"}
INTERNAL_AUTHS = {"manual", "email"}
# openidconnect::create_field_mappings.
DEFAULT_MAPPINGS = {
    "given_name": "firstname",
    "middle_name": "middlename",
    "family_name": "lastname",
    "email": "email",
    "website": "url",
    "nickname": "alternatename",
    "picture": "picture",
    "address": "address",
    "phone": "phone1",
    "locale": "lang",
}
# The parameters each function requires (webservice_base_server::execute validates them
# before the function runs): list name, required keys, integer keys.
PARAMETERS = {
    "core_user_get_users_by_field": (None, ("field", "values"), ()),
    "core_user_create_users": ("users", ("username", "firstname", "lastname", "email"), ()),
    "core_user_update_users": ("users", ("id",), ("id",)),
    "enrol_manual_enrol_users": (
        "enrolments",
        ("roleid", "userid", "courseid"),
        ("roleid", "userid", "courseid", "timestart", "timeend", "suspend"),
    ),
}
ACCESS_TO_FUNCTION = (
    "Access to the function {name}() is not allowed.\n"
    "                     There could be multiple reasons for this:\n"
    "                     1. The service linked to the user token does not contain the function.\n"
    "                     2. The service is user-restricted and the user is not listed."
)


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


class Thrown(Exception):
    """A Moodle exception: its class, errorcode, message (get_string) and debuginfo."""

    def __init__(self, exception: str, errorcode: str, message: str, debuginfo: str = ""):
        super().__init__(f"{errorcode}: {message}")
        self.exception = exception
        self.errorcode = errorcode
        self.message = message
        self.debuginfo = debuginfo


class LoginRefused(Exception):
    """Moodle's login page with an error (`$SESSION->loginerrormsg`), or a form refusal."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def invalid_parameter(debuginfo: str) -> Thrown:
    return Thrown(
        "invalid_parameter_exception",
        "invalidparameter",
        "Invalid parameter value detected",
        debuginfo,
    )


def access_exception(debuginfo: str) -> Thrown:
    return Thrown(
        "webservice_access_exception", "accessexception", "Access control exception", debuginfo
    )


def no_permission(capability: str) -> Thrown:
    name = CAPABILITY_NAMES.get(capability, capability)
    return Thrown(
        "required_capability_exception",
        "nopermissions",
        f"Sorry, but you do not currently have permissions to do that ({name}).",
    )


def coding_error(hint: str, debuginfo: str = "") -> Thrown:
    return Thrown(
        "coding_exception",
        "codingerror",
        f"Coding error detected, it must be fixed by a programmer: {hint}",
        debuginfo,
    )


class FakeMoodle:
    def __init__(self, *, token: str, courses=(42,)):
        self.token = token
        self.courses = set(courses)
        self.hidden_courses: set[int] = set()
        self.courses_without_manual: set[int] = set()
        # Site administration.
        self.webservices_enabled = True  # Fonctions avancées › Activer les services web
        self.rest_enabled = True  # Gérer les protocoles › REST
        self.debugging = ""  # "", "normal" (debuginfo sent) or "developer" (also in message)
        self.maintenance = False
        self.allowaccountssameemail = False
        self.showuseridentity = {"email"}
        # The service « ParcoursPro », its account and that account's system role.
        self.service_functions = set(SERVICE_FUNCTIONS)
        self.service_user_authorised = True
        self.capabilities = set(SERVICE_CAPABILITIES)
        self.assignable_roles = {5}
        self.users: dict[int, dict] = {}
        self.enrolments: dict[tuple[int, int], dict] = {}
        self.calls: list[tuple[str, dict]] = []
        self.mode = "up"  # or "503", "garbage", "slow"
        # function → the JSON it answers instead of its own (an answer of another shape).
        self.overrides: dict[str, object] = {}
        # Lookups that find nobody, as when another worker creates the account meanwhile.
        self.blind_lookups = 0
        self._next_id = 0
        self._lock = threading.Lock()
        self.guest_id = self._insert(
            username="guest", email="root@localhost", firstname="Guest user"
        )
        self.admin_id = self._insert(username="admin", email="admin@e-parcourspro.test")
        self.service_user_id = self._insert(
            username="parcourspro-ws", email="ws@e-parcourspro.test", firstname="ParcoursPro"
        )
        self.site_admins = {self.admin_id}
        self.tokens = {token: self.service_user_id}
        self._next_id = 100
        # OAuth 2: the issuer « ParcoursPro », its endpoints, mappings and linked logins.
        self.issuer_baseurl = ""
        self.issuer_image = ""
        self.endpoints: dict[str, str] = {}
        self.field_mappings: dict[str, str] = {}
        self.requireconfirmation = False
        self.field_locks: dict[str, str] = {}  # auth_oauth2's field_lock_*: "unlocked" default
        self.linked_logins: dict[str, int] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- Helpers for the tests ----------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/moodle"

    @property
    def service_user(self) -> dict:
        return self.users[self.service_user_id]

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def _insert(self, **fields) -> int:
        self._next_id += 1
        user = {
            "id": self._next_id,
            "auth": "manual",
            "firstname": "",
            "lastname": "",
            "email": "",
            "idnumber": "",
            "suspended": 0,
            "confirmed": 1,
            "deleted": 0,
            "maildisplay": 2,
            **fields,
        }
        self.users[self._next_id] = user
        return self._next_id

    def add_user(self, username: str, **fields) -> int:
        with self._lock:
            return self._insert(username=username, **fields)

    def people(self) -> list[dict]:
        """The accounts other than guest, admin and the service account."""
        system = {self.guest_id, self.admin_id, self.service_user_id}
        return [user for user in self.users.values() if user["id"] not in system]

    def functions_called(self) -> list[str]:
        return [function for function, _ in self.calls]

    # --- The web services ---------------------------------------------------------------------

    def answer(self, params: dict):
        """The JSON a REST call gets (a Thrown is turned into Moodle's error object)."""
        caller = self._authenticate(params.get("wstoken", ""))
        function = params.get("wsfunction", "")
        self.calls.append((function, params))
        if function not in KNOWN_FUNCTIONS:
            raise Thrown(
                "dml_missing_record_exception",
                "invalidrecord",
                "Can't find data record in database table external_functions.",
                "SELECT * FROM {external_functions} WHERE name = ?\n"
                f"[array (\n  0 => '{function}',\n)]",
            )
        if function not in self.service_functions or not self.service_user_authorised:
            raise access_exception(ACCESS_TO_FUNCTION.format(name=function))
        args = {
            k: v
            for k, v in params.items()
            if k not in {"wstoken", "wsfunction", "moodlewsrestformat"}
        }
        self._validate_parameters(function, args)
        if function in self.overrides:
            return self.overrides[function]
        with self._lock:
            return getattr(self, function)(args, caller)

    @staticmethod
    def _validate_parameters(function: str, args: dict) -> None:
        if function not in PARAMETERS:
            return
        listed, required, integers = PARAMETERS[function]
        items = [args] if listed is None else args.get(listed, [])
        if listed is not None and not isinstance(items, list):
            raise invalid_parameter(f"Only arrays accepted. The bad value is: '{items}'")
        for item in items:
            for key in required:
                if key not in item:
                    raise invalid_parameter(f"Missing required key in single structure: {key}")
            for key in integers:
                if key in item and not re.fullmatch(r"-?\d+", str(item[key])):
                    raise invalid_parameter(
                        f'Invalid external api parameter: the value is "{item[key]}", the '
                        'server was expecting "int" type'
                    )
            username = item.get("username") if function == "core_user_create_users" else None
            if username is not None and username != username.strip().lower():
                raise invalid_parameter(
                    f'Invalid external api parameter: the value is "{username}", the server '
                    'was expecting "username" type'
                )

    def _has(self, user_id: int, capability: str) -> bool:
        if user_id in self.site_admins:
            return True
        return user_id == self.service_user_id and capability in self.capabilities

    def _authenticate(self, token: str) -> int:
        user_id = self.tokens.get(token)
        if user_id is None:
            raise Thrown("moodle_exception", "invalidtoken", "Invalid token - token not found")
        user = self.users[user_id]
        if self.maintenance and user_id not in self.site_admins:
            raise Thrown(
                "moodle_exception",
                "sitemaintenance",
                "The site is undergoing maintenance and is currently not available",
            )
        name = user["username"]
        if user["deleted"]:
            raise access_exception(f"Refused web service access for deleted username: {name}")
        if not user["confirmed"]:
            raise Thrown(
                "moodle_exception",
                "wsaccessuserunconfirmed",
                f"Refused web service access for unconfirmed username: {name}",
            )
        if user["suspended"]:
            raise access_exception(f"Refused web service access for suspended username: {name}")
        if user["auth"] == "nologin":
            raise access_exception(
                f"Refused web service access for nologin authentication username: {name}"
            )
        if not self._has(user_id, "webservice/rest:use"):
            raise access_exception(
                "You are not allowed to use the {$a} protocol (missing capability: "
                "webservice/rest:use)"
            )
        return user_id

    def _details(self, caller: int, user: dict) -> dict | None:
        """user_get_user_details (system profile): what `caller` may see of `user`."""
        current = user["id"] == caller
        admin = caller in self.site_admins

        def can(capability):
            return admin or self._has(caller, capability)

        if not current and not can("moodle/user:viewdetails"):
            return None
        identity = self.showuseridentity if can("moodle/site:viewuseridentity") else set()
        details = {"id": user["id"], "fullname": f"{user['firstname']} {user['lastname']}".strip()}
        if current or can("moodle/user:viewalldetails"):
            details["username"] = user["username"]
        if admin or can("moodle/site:viewfullnames"):
            details["firstname"] = user["firstname"]
            details["lastname"] = user["lastname"]
        if user["email"] and (admin or current or "email" in identity or user["maildisplay"] == 1):
            details["email"] = user["email"]
        if user["idnumber"] and (
            "idnumber" in identity or current or can("moodle/user:viewalldetails")
        ):
            details["idnumber"] = user["idnumber"]
        details["suspended"] = bool(user["suspended"])
        if current or can("moodle/user:viewalldetails"):
            details["auth"] = user["auth"]
            details["confirmed"] = user["confirmed"]
        return details

    def core_webservice_get_site_info(self, args, caller):
        user = self.users[caller]
        return {
            "sitename": "e-ParcoursPro",
            "username": user["username"],
            "firstname": user["firstname"],
            "lastname": user["lastname"],
            "fullname": f"{user['firstname']} {user['lastname']}".strip(),
            "lang": "fr",
            "userid": caller,
            "siteurl": self.url,
            "userpictureurl": f"{self.url}/theme/image.php/boost/core/1/u/f1",
            "functions": [
                {"name": name, "version": "2024100703"} for name in sorted(self.service_functions)
            ],
            "downloadfiles": 0,
            "uploadfiles": 0,
            "release": RELEASE,
            "version": "2024100703",
            "userissiteadmin": caller in self.site_admins,
            "usercanmanageownfiles": True,
            "userquota": 0,
            "usermaxuploadfilesize": -1,
            "userhomepage": 1,
        }

    def core_user_get_users_by_field(self, args, caller):
        field, values = args.get("field", ""), args.get("values", [])
        if field not in {"id", "idnumber", "username", "email"}:
            raise coding_error(
                "invalid field parameter",
                f"The search field '{field}' is not supported, look at the web service "
                "documentation",
            )
        for value in values:
            if field == "username" and value != value.strip().lower():
                raise invalid_parameter(
                    f"The field 'username' value is invalid: {value}"
                    f"(cleaned value: {value.strip().lower()})"
                )
        if self.blind_lookups:
            self.blind_lookups -= 1
            return []
        found = []
        for user in sorted(self.users.values(), key=lambda u: u["id"]):
            if str(user.get(field)) not in values:
                continue
            details = self._details(caller, user)
            # « Return the user only if the searched field is returned. »
            if details and details.get(field):
                found.append(details)
        return found

    def core_user_create_users(self, args, caller):
        if not self._has(caller, "moodle/user:create"):
            raise no_permission("moodle/user:create")
        created = []
        for user in args["users"]:
            for name in ("username", "firstname", "lastname"):
                if user[name].strip() == "":
                    raise invalid_parameter(f"The field {name} cannot be blank")
            if any(u["username"] == user["username"] for u in self.users.values()):
                raise invalid_parameter(f"Username already exists: {user['username']}")
            auth = user.get("auth", "manual")
            if auth not in AUTH_PLUGINS:
                raise invalid_parameter(f"Invalid authentication type: {auth}")
            if (
                auth in INTERNAL_AUTHS
                and not user.get("password")
                and not user.get("createpassword")
            ):
                raise invalid_parameter(
                    "Invalid password: you must provide a password, or set createpassword."
                )
            email = user["email"]
            if "@" not in email:
                raise invalid_parameter(f"Email address is invalid: {email}")
            if not self.allowaccountssameemail and any(
                u["email"].lower() == email.lower() for u in self.users.values()
            ):
                raise invalid_parameter(f"Email address already exists: {email}")
            created.append(user)
        ids = []
        for user in created:
            fields = {
                k: v
                for k, v in user.items()
                if k in {"username", "auth", "firstname", "lastname", "email", "idnumber"}
            }
            fields.setdefault("auth", "manual")
            new_id = self._insert(**fields)
            ids.append({"id": new_id, "username": user["username"]})
        return ids

    def core_user_update_users(self, args, caller):
        if not self._has(caller, "moodle/user:update"):
            raise no_permission("moodle/user:update")
        for change in args["users"]:
            existing = self.users.get(int(change["id"]))
            if existing is None or existing["deleted"]:
                continue
            if existing["id"] in self.site_admins and caller not in self.site_admins:
                continue
            email = change.get("email")
            if email is not None and email != existing["email"]:
                if "@" not in email:
                    continue
                if not self.allowaccountssameemail and any(
                    u["email"].lower() == email.lower() and u["id"] != existing["id"]
                    for u in self.users.values()
                ):
                    continue  # skipped, without a word (core_user_external::update_users)
            for key in ("email", "firstname", "lastname", "idnumber", "username", "auth"):
                if key in change:
                    existing[key] = change[key]
        return None

    def enrol_manual_enrol_users(self, args, caller):
        before = copy.deepcopy(self.enrolments)
        try:
            for enrolment in args["enrolments"]:
                self._enrol(enrolment, caller)
        except Thrown:
            self.enrolments = before  # the delegated transaction is rolled back
            raise
        return None

    def _enrol(self, enrolment, caller):
        course, user_id = int(enrolment["courseid"]), int(enrolment["userid"])
        role = int(enrolment["roleid"])
        if course not in self.courses:
            # context_course::instance(IGNORE_MISSING) → validate_context(false).
            raise invalid_parameter("Context does not exist")
        if course in self.hidden_courses and not self._has(
            caller, "moodle/course:viewhiddencourses"
        ):
            raise Thrown(
                "require_login_exception",
                "requireloginerror",
                "Course or activity not accessible.",
                "Course is not available",
            )
        if not self._has(caller, "moodle/course:view"):
            raise Thrown(
                "require_login_exception",
                "requireloginerror",
                "Course or activity not accessible.",
                "Not enrolled",
            )
        if not self._has(caller, "enrol/manual:enrol"):
            raise no_permission("enrol/manual:enrol")
        assignable = self.assignable_roles if self._has(caller, "moodle/role:assign") else set()
        if role not in assignable:
            raise Thrown(
                "moodle_exception",
                "wsusercannotassign",
                f"You don't have the permission to assign this role ({role}) to this user "
                f"({user_id}) in this course({course}).",
            )
        if course in self.courses_without_manual:
            raise Thrown(
                "moodle_exception",
                "wsnoinstance",
                "Manual enrolment plugin instance doesn't exist or is disabled for the course "
                f"(id = {course})",
            )
        user = self.users.get(user_id)
        if user is None or user["deleted"]:
            raise coding_error("User ID does not exist or is deleted!")
        status = "suspended" if int(enrolment.get("suspend") or 0) else "active"
        self.enrolments[(user_id, course)] = {
            "roleid": role,
            "timestart": int(enrolment.get("timestart") or 0),
            "timeend": int(enrolment.get("timeend") or 0),
            "status": status,
        }

    def is_enrolled(self, user_id: int, course: int, at: int) -> bool:
        """lib/enrollib.php: `ue.status = active AND ue.timestart < now AND (ue.timeend = 0 OR
        ue.timeend > now)`."""
        enrolment = self.enrolments.get((user_id, course))
        if enrolment is None or enrolment["status"] != "active":
            return False
        return enrolment["timestart"] < at and (
            enrolment["timeend"] == 0 or enrolment["timeend"] > at
        )

    # --- OAuth 2 (Site administration › Server › OAuth 2 services, and the login) -------------

    def save_issuer(self, *, baseurl: str, image: str = "", discovery: dict | None = None):
        """Save the issuer form, then run discovery (on creation, as create_or_update_issuer
        does; it also runs whenever discovery is asked again)."""
        if baseurl and not baseurl.startswith("https://"):
            raise LoginRefused("sslonlyaccess")  # issuer::validate_baseurl (validateUrlSyntax 'S+')
        self.issuer_baseurl = baseurl
        # api::guess_image: an empty logo becomes https://host/favicon.ico.
        self.issuer_image = image or re.sub(r"^(https://[^/]+).*$", r"\1/favicon.ico", baseurl)
        if discovery is not None:
            self.discover(discovery)

    def discover(self, discovery: dict):
        """openidconnect::discover_endpoints: every *_endpoint becomes an endpoint (https only:
        endpoint::validate_url), and the field mappings are deleted then set to the defaults."""
        endpoints = {}
        for key, value in discovery.items():
            if key.endswith("_endpoint"):
                if not str(value).startswith("https://"):
                    raise LoginRefused("sslonlyaccess")
                endpoints[key] = value
        self.endpoints = endpoints
        self.field_mappings = dict(DEFAULT_MAPPINGS)

    def map_claims(self, claims: dict) -> dict:
        """client::map_userinfo_to_fields: the mapped fields; username falls back on email."""
        user = {
            internal: claims[external]
            for external, internal in self.field_mappings.items()
            if claims.get(external)
        }
        if not user.get("username") and user.get("email"):
            user["username"] = user["email"]
        return user

    def oauth_login(self, claims: dict) -> int:
        """auth_oauth2\\auth::complete_login with the claims ParcoursPro gives: the id of the
        account the person lands in, or LoginRefused with Moodle's reason."""
        with self._lock:
            info = self.map_claims(claims)
            if not info.get("username") or not info.get("email"):
                raise LoginRefused("loginerror_userincomplete")
            username = info["username"].strip().lower()
            linked = self.linked_logins.get(username)
            if linked is not None and not self.users[linked]["deleted"]:
                user = self.users[linked]
                if user["suspended"]:
                    raise LoginRefused("invalidlogin")
                self._update_from_login(user, info)
                return user["id"]
            same_email = [
                u
                for u in sorted(self.users.values(), key=lambda u: u["id"])
                if not u["deleted"] and u["email"].lower() == info["email"].lower()
            ]
            if same_email:
                user = same_email[0]
                if user["suspended"]:
                    raise LoginRefused("invalidlogin")
                if self.requireconfirmation:
                    raise LoginRefused("emailconfirmlinksent")
                self.linked_logins[username] = user["id"]  # api::link_login
                self._update_from_login(user, info)
                return user["id"]
            if any(u["username"] == username for u in self.users.values()):
                raise LoginRefused("accountexists")
            new_id = self._insert(
                username=username,
                auth="oauth2",
                email=info["email"],
                firstname=info.get("firstname", ""),
                lastname=info.get("lastname", ""),
            )
            self.linked_logins[username] = new_id
            return new_id

    def _update_from_login(self, user: dict, info: dict):
        """auth::update_user: only an oauth2 account, only its unlocked fields."""
        if user["auth"] != "oauth2":
            return
        for field in ("email", "firstname", "lastname"):
            if field in info and self.field_locks.get(field, "unlocked") == "unlocked":
                user[field] = info[field]

    # --- HTTP -----------------------------------------------------------------------------------

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
                if not (moodle.webservices_enabled and moodle.rest_enabled):
                    # server.php: webservice_protocol_is_enabled('rest') false → die;
                    return self._reply(200, b"", "text/html")
                params = unflatten(parse_qsl(body, keep_blank_values=True))
                if params.get("moodlewsrestformat") != "json":
                    return self._reply(200, b'<?xml version="1.0"?><RESPONSE/>', "application/xml")
                try:
                    reply = moodle.answer(params)
                except Thrown as error:
                    reply = moodle.error_object(error)
                return self._reply(200, json.dumps(reply).encode(), "application/json")

            def _reply(self, status, body, content_type):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # The client may have given up waiting ("slow").
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

        return Handler

    def error_object(self, error: Thrown) -> dict:
        """webservice_rest_server::generate_error."""
        message = error.message
        if self.debugging == "developer" and error.debuginfo:
            message = f"{message} ({error.debuginfo})"
        reply = {"exception": error.exception, "errorcode": error.errorcode, "message": message}
        if self.debugging and error.debuginfo:
            reply["debuginfo"] = error.debuginfo
        return reply


def closed_port_url() -> str:
    """An address where nothing listens (Moodle down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/moodle"
