"""A small client of Moodle's REST web services (e-ParcoursPro, Q13).

Moodle's protocol: a form-encoded POST to `/webservice/rest/server.php` with `wstoken`,
`wsfunction` and `moodlewsrestformat=json`; arrays are flattened (`users[0][username]`).
The reply is JSON; an error is still HTTP 200, with a body
`{"exception": ..., "errorcode": ..., "message": ...}`.

Two kinds of failure: `MoodleError` when Moodle answered and refused (a wrong course id, a
missing capability, an invalid token): retrying will not help, staff must act. And
`MoodleUnavailable` when it did not answer usefully (refused connection, timeout, 5xx, a
maintenance page): retried later.
"""

from __future__ import annotations

import http.client
import json
import logging
from dataclasses import dataclass
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from django.conf import settings

logger = logging.getLogger(__name__)

ENDPOINT = "/webservice/rest/server.php"
# HTTP statuses worth retrying; any other 4xx is a configuration error (wrong address).
TRANSIENT_HTTP = {408, 425, 429}


class MoodleError(Exception):
    """Moodle refused the call: permanent until someone fixes the cause."""

    def __init__(self, errorcode: str, message: str, *, exception: str = "", debuginfo: str = ""):
        super().__init__(f"{errorcode}: {message}")
        self.errorcode = errorcode
        self.message = message
        self.exception = exception
        self.debuginfo = debuginfo

    def describe(self) -> str:
        parts = [self.message]
        if self.exception:
            parts.append(f"({self.exception})")
        if self.debuginfo:
            parts.append(f"— {self.debuginfo}")
        return " ".join(parts)


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
        """Call one web-service function; its decoded JSON reply (None for a void one)."""
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
        try:
            payload = json.loads(raw) if raw.strip() else None
        except ValueError as error:
            # A maintenance or proxy error page answered instead of Moodle.
            raise MoodleUnavailable(f"{function} : réponse illisible ({raw[:80]!r})") from error
        if isinstance(payload, dict) and "exception" in payload:
            raise MoodleError(
                str(payload.get("errorcode") or "unknown"),
                str(payload.get("message") or ""),
                exception=str(payload.get("exception") or ""),
                debuginfo=str(payload.get("debuginfo") or ""),
            )
        return payload

    # The three functions ParcoursPro uses.

    def user_by_username(self, username: str) -> dict | None:
        users = self.call("core_user_get_users_by_field", field="username", values=[username])
        return users[0] if users else None

    def create_user(
        self, *, username: str, firstname: str, lastname: str, email: str, idnumber: str
    ) -> int:
        """Create an account that logs in through ParcoursPro (auth=oauth2); its Moodle id."""
        created = self.call(
            "core_user_create_users",
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
        )
        return int(created[0]["id"])

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
        """Enrol (or update the enrolment of) a user in a course with the manual method;
        `suspend` suspends the enrolment, which is how Moodle withdraws without erasing."""
        self.call(
            "enrol_manual_enrol_users",
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
        )
