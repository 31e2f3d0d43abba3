"""Error answers that must work when little else does: the 500 page and the « service
momentanément indisponible » page of a database outage are rendered without the request's
context (no user, no session, no context processor reads the database), from self-contained
templates with a few settings."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

logger = logging.getLogger(__name__)

# Seconds after which a client may try again once the database answers no more.
DATABASE_RETRY_AFTER = 5
# SQLSTATEs of a server that is not there for us: class 08 (connection exception), and an
# administrator's shutdown, a crash, a server still starting (57P01, 57P02, 57P03).
_UNREACHABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")
# What psycopg and libpq say when no server answers (no SQLSTATE: nothing came back).
_UNREACHABLE_MESSAGES = (
    "connection refused",
    "could not connect",
    "connection failed",
    "connection timeout",
    "timeout expired",
    "server closed the connection",
    "terminating connection",
    "the database system is",
    "connection already closed",
    "the connection is closed",
    "consuming input failed",
    "no route to host",
    "could not translate host name",
    "ssl syscall error",
    "eof detected",
    "connection is lost",
)


def is_database_unreachable(error: BaseException | None) -> bool:
    """Whether `error` says the database cannot be reached (refused, closed, restarting),
    rather than that a statement failed (a missing table, a lock conflict: not an outage)."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    cause = error
    while cause is not None:
        sqlstate = getattr(cause, "sqlstate", None)
        if sqlstate:
            return sqlstate.startswith(_UNREACHABLE_SQLSTATES)
        cause = cause.__cause__
    text = str(error).lower()
    return any(message in text for message in _UNREACHABLE_MESSAGES)


def _minimal_context() -> dict:
    return {
        "STATIC_URL": settings.STATIC_URL,
        "PROGRAMME_CONTACT_EMAIL": settings.PROGRAMME_CONTACT_EMAIL,
        "PROGRAMME_CONTACT_PHONE": settings.PROGRAMME_CONTACT_PHONE,
        "PROGRAMME_CONTACT_HOURS": settings.PROGRAMME_CONTACT_HOURS,
    }


def standalone_response(
    template_name: str, *, status: int, context: dict | None = None
) -> HttpResponse:
    """`template_name` rendered with settings only (and `context`, plain values the caller
    computed without the request); a plain French line if even that fails."""
    try:
        content = loader.get_template(template_name).render(
            {**_minimal_context(), **(context or {})}
        )
    except Exception:  # noqa: BLE001 — an error page must answer, whatever broke
        logger.exception("Error page %s could not be rendered", template_name)
        content = (
            '<!DOCTYPE html><html lang="fr"><title>ParcoursPro</title>'
            "<h1>Une erreur est survenue</h1><p>Réessayez dans quelques instants.</p></html>"
        )
    return HttpResponse(content, status=status)


def database_unavailable_response() -> HttpResponse:
    """503 « service momentanément indisponible », with Retry-After."""
    response = standalone_response("errors/unavailable.html", status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response
