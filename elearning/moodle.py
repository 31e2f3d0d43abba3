"""A small client of Moodle's REST web services (e-ParcoursPro, Q13).

Moodle's protocol (`webservice/rest/server.php`, `webservice/rest/locallib.php`): a
form-encoded POST with `wstoken`, `wsfunction` and `moodlewsrestformat=json`; arrays are
flattened (`users[0][username]`). The reply is JSON, errors included, always with HTTP 200:
`{"exception": <class>, "errorcode": ..., "message": ...}`, plus `debuginfo` only when the
site's debugging is on (`webservice_rest_server::generate_error`: `if (debugging() and
isset($ex->debuginfo))`). With the web services or the REST protocol off, `server.php` ends
with `die;`: an empty HTTP 200.

Three kinds of failure:
- `MoodleError`: Moodle answered and refused (a wrong course, a missing capability, an
  invalid token). Retrying will not help: staff must act (`elearning.errors` says how).
- `MoodleUnexpected`: something answered, but not what the function returns (an empty body,
  an HTML page, JSON of another shape). Recorded as it came; staff must act.
- `MoodleUnavailable`: no useful answer (refused connection, timeout, 5xx, Moodle's own
  maintenance mode): tried again later.
"""

from __future__ import annotations

import http.client
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from django.conf import settings

logger = logging.getLogger(__name__)

ENDPOINT = "/webservice/rest/server.php"
# HTTP statuses worth retrying; any other 4xx is a configuration error (wrong address).
TRANSIENT_HTTP = {408, 425, 429}
# Moodle's refusals that pass by themselves: the site in maintenance mode
# (`webservice_server::authenticate_user` throws moodle_exception('sitemaintenance')).
TRANSIENT_ERRORCODES = {"sitemaintenance"}
# How much of an unexpected answer is kept for staff.
ANSWER_LIMIT = 1000

# ParcoursPro's own codes, beside Moodle's, for answers that are not Moodle's.
EMPTY_ANSWER = "empty_answer"
UNEXPECTED_ANSWER = "unexpected_answer"


class MoodleError(Exception):
    """Moodle refused the call: permanent until someone fixes the cause."""

    def __init__(self, errorcode: str, message: str, *, exception: str = "", debuginfo: str = ""):
        super().__init__(f"{errorcode}: {message}")
        self.errorcode = errorcode
        self.message = message
        self.exception = exception
        self.debuginfo = debuginfo

    def describe(self) -> str:
        """Moodle's message, its exception class and, when Moodle sent it, its debuginfo."""
        parts = [self.message or self.errorcode]
        if self.exception:
            parts.append(f"({self.exception})")
        if self.debuginfo:
            parts.append(f"— {self.debuginfo}")
        return " ".join(parts)


class MoodleUnexpected(Exception):
    """Something answered, but not what the web-service function returns."""

    def __init__(self, function: str, reason: str, answer: str = "", *, code: str = ""):
        self.function = function
        self.reason = reason
        self.answer = answer[:ANSWER_LIMIT]
        self.errorcode = code or UNEXPECTED_ANSWER
        super().__init__(f"{function} : {reason}")

    def describe(self) -> str:
        text = f"{self.function} : {self.reason}"
        if self.answer:
            text += f" Réponse reçue : « {self.answer} »"
        return text


class MoodleUnavailable(Exception):
    """Moodle could not be reached or did not answer usefully: try again later."""


def flatten(params: dict, prefix: str = "") -> list[tuple[str, str]]:
    """Moodle's form encoding of nested values: {"users": [{"a": 1}]} → users[0][a]=1."""
    pairs: list[tuple[str, str]] = []
    items = params.items() if isinstance(params, dict) else enumerate(params)
    for key, value in items:
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict | list | tuple):
            pairs.extend(flatten(value, name))
        elif isinstance(value, bool):
            pairs.append((name, "1" if value else "0"))
        else:
            pairs.append((name, "" if value is None else str(value)))
    return pairs


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _is_user(value) -> bool:
    return isinstance(value, dict) and _is_id(value.get("id"))


def _expect(function: str, payload, check: Callable[[object], bool], what: str):
    if not check(payload):
        raise MoodleUnexpected(
            function,
            f"réponse inattendue ({what} attendu).",
            json.dumps(payload, ensure_ascii=False),
        )
    return payload


@dataclass(frozen=True)
class MoodleClient:
    url: str
    token: str
    timeout: float = 10.0

    @classmethod
    def from_settings(cls) -> MoodleClient:
        return cls(
            url=settings.E_PARCOURSPRO_URL.rstrip("/"),
            token=settings.E_PARCOURSPRO_WS_TOKEN,
            timeout=settings.E_PARCOURSPRO_WS_TIMEOUT,
        )

    def call(self, function: str, **params):
        """Call one web-service function; its decoded JSON reply (None for a void one:
        Moodle sends `null`). Raises MoodleError, MoodleUnexpected or MoodleUnavailable."""
        body = urlencode(
            [
                ("wstoken", self.token),
                ("wsfunction", function),
                ("moodlewsrestformat", "json"),
                *flatten(params),
            ]
        ).encode()
        request = Request(
            f"{self.url.rstrip('/')}{ENDPOINT}",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "User-Agent": "ParcoursPro",
            },
        )
        try:
            with urlopen(request, timeout=self.timeout) as response:  # noqa: S310 — our setting
                raw = response.read()
        except HTTPError as error:
            if error.code >= 500 or error.code in TRANSIENT_HTTP:
                raise MoodleUnavailable(f"{function} : HTTP {error.code}") from error
            raise MoodleError(
                f"http_{error.code}",
                f"{function} : réponse HTTP {error.code} (adresse E_PARCOURSPRO_URL à vérifier)",
            ) from error
        except (URLError, http.client.HTTPException, OSError) as error:
            raise MoodleUnavailable(f"{function} : {error}") from error
        text = raw.decode("utf-8", errors="replace")
        if not text.strip():
            raise MoodleUnexpected(
                function,
                "réponse vide (HTTP 200 sans contenu) : c'est ce que Moodle répond quand les "
                "services web ou le protocole REST sont désactivés (webservice/rest/server.php).",
                code=EMPTY_ANSWER,
            )
        try:
            payload = json.loads(text)
        except ValueError:
            raise MoodleUnexpected(function, "réponse qui n'est pas du JSON.", text) from None
        if isinstance(payload, dict) and "exception" in payload:
            error = MoodleError(
                str(payload.get("errorcode") or "unknown"),
                str(payload.get("message") or ""),
                exception=str(payload.get("exception") or ""),
                debuginfo=str(payload.get("debuginfo") or ""),
            )
            if error.errorcode in TRANSIENT_ERRORCODES:
                raise MoodleUnavailable(
                    f"{function} : {error.errorcode} — {error.describe()}"
                ) from error
            raise error
        return payload

    # The functions ParcoursPro uses, each checking the shape of its answer.

    def site_info(self) -> dict:
        """`core_webservice_get_site_info`: who the token is, and the service's functions."""
        function = "core_webservice_get_site_info"
        return _expect(
            function,
            self.call(function),
            lambda p: (
                isinstance(p, dict)
                and isinstance(p.get("functions"), list)
                and all(isinstance(f, dict) and "name" in f for f in p["functions"])
            ),
            "un objet avec la liste « functions »",
        )

    def users_by_field(self, field: str, value: str) -> list[dict]:
        """`core_user_get_users_by_field`: the accounts whose `field` is `value`, as far as the
        token's capabilities let it see them (user_get_user_details)."""
        function = "core_user_get_users_by_field"
        return _expect(
            function,
            self.call(function, field=field, values=[value]),
            lambda p: isinstance(p, list) and all(_is_user(u) for u in p),
            "une liste de comptes avec leur id",
        )

    def user_by_username(self, username: str) -> dict | None:
        users = self.users_by_field("username", username)
        return users[0] if users else None

    def create_user(
        self, *, username: str, firstname: str, lastname: str, email: str, idnumber: str
    ) -> int:
        """Create an account that logs in through ParcoursPro (auth=oauth2); its Moodle id."""
        function = "core_user_create_users"
        created = _expect(
            function,
            self.call(
                function,
                users=[
                    {
                        "username": username,
                        "auth": "oauth2",
                        "firstname": firstname,
                        "lastname": lastname,
                        "email": email,
                        "idnumber": idnumber,
                    }
                ],
            ),
            lambda p: isinstance(p, list) and len(p) == 1 and _is_user(p[0]),
            "une liste d'un compte créé avec son id",
        )
        return created[0]["id"]

    def update_user(self, user_id: int, **fields) -> list:
        """`core_user_update_users` for one account; Moodle's warnings (none from versions
        that return nothing). Moodle skips, without an error, an address another account
        holds: the caller checks that first."""
        function = "core_user_update_users"
        answer = _expect(
            function,
            self.call(function, users=[{"id": user_id, **fields}]),
            lambda p: p is None or (isinstance(p, dict) and isinstance(p.get("warnings"), list)),
            "rien, ou un objet avec la liste « warnings »",
        )
        return [] if answer is None else answer["warnings"]

    def enrol(
        self,
        *,
        user_id: int,
        course_id: int,
        role_id: int,
        timestart: int,
        timeend: int,
        suspend: bool,
    ) -> None:
        """Enrol (or update the enrolment of) a user in a course with the manual method:
        `enrol_plugin::enrol_user` updates an existing enrolment's timestart, timeend and
        status when they differ; `suspend` suspends it, which is how Moodle withdraws
        without erasing."""
        function = "enrol_manual_enrol_users"
        _expect(
            function,
            self.call(
                function,
                enrolments=[
                    {
                        "roleid": role_id,
                        "userid": user_id,
                        "courseid": course_id,
                        "timestart": timestart,
                        "timeend": timeend,
                        "suspend": 1 if suspend else 0,
                    }
                ],
            ),
            lambda p: p is None,
            "null",
        )
