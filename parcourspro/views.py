import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import (
    DisallowedHost,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from web.errors import database_unavailable_response, is_database_unreachable, standalone_response

from .celery import app as celery_app

# /healthz answers within this many seconds whatever is down: the broker's and the cache's
# checks run beside the database's, and a part that has not answered by then counts as down.
HEALTH_BUDGET = 0.4
# A broker or a cache that does not connect or answer within this delay is down.
HEALTH_SOCKET_TIMEOUT = 0.3
# Threads for the broker's and the cache's checks, shared by the requests: a check stuck past
# the budget keeps its thread until its own socket timeout, never the request.
_checks = ThreadPoolExecutor(max_workers=4, thread_name_prefix="healthz")


def database_state() -> str:
    """'ok' when the database answers `SELECT 1`, 'error' otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 — any failure means the database does not answer
        return "error"
    return "ok"


def broker_state() -> str:
    """'ok' when the broker answers, 'eager' when none is configured, 'error' otherwise: one
    attempt on a fresh connection (the app's pools, which the pages publish through, are left
    alone), with short timeouts."""
    if not settings.CELERY_BROKER_URL:
        return "eager"
    options = {
        "socket_connect_timeout": HEALTH_SOCKET_TIMEOUT,
        "socket_timeout": HEALTH_SOCKET_TIMEOUT,
    }
    try:
        with celery_app.connection_for_write(
            settings.CELERY_BROKER_URL,
            connect_timeout=HEALTH_SOCKET_TIMEOUT,
            transport_options=options,
        ) as conn:
            conn.ensure_connection(max_retries=0, timeout=HEALTH_SOCKET_TIMEOUT)
    except Exception:  # noqa: BLE001 — any failure means the broker does not answer
        return "error"
    return "ok"


def cache_state() -> str:
    """'ok' when what is written to the cache reads back, 'error' otherwise (the project's
    Redis cache turns an outage into misses: common.redis_cache)."""
    key, token = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    try:
        cache.set(key, token, timeout=5)
        answered = cache.get(key) == token
    except Exception:  # noqa: BLE001 — any failure means the cache does not answer
        return "error"
    return "ok" if answered else "error"


@never_cache
@require_safe
def healthz(request):
    """JSON state of each part: `database`, `broker`, `cache` ('ok', 'error', 'timeout';
    the broker 'eager' when none is configured), and `status`, within HEALTH_BUDGET seconds.

    For a load balancer: 503 (`status` 'error') only when the database does not answer, as
    this instance can then serve nothing. A broker or a cache that is down is shared by every
    instance and the pages work without it (emails and jobs are recorded in the database and
    swept later; pages are rendered without the cache): 200 with `status` 'degraded', so that
    an outage of Redis does not take every instance out of the pool; monitoring reads the
    parts."""
    pending = {"broker": _checks.submit(broker_state), "cache": _checks.submit(cache_state)}
    deadline = time.monotonic() + HEALTH_BUDGET
    state = {"database": database_state()}
    for part, future in pending.items():
        try:
            state[part] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            state[part] = "timeout"
    if state["database"] != "ok":
        status = "error"
    elif state["broker"] in {"ok", "eager"} and state["cache"] == "ok":
        status = "ok"
    else:
        status = "degraded"
    state["status"] = status
    return JsonResponse(state, status=503 if status == "error" else 200)


def server_error(request, template_name="500.html"):
    """handler500: a French page that needs neither the request's context nor the database;
    a database outage answers 503 « service momentanément indisponible » instead."""
    if is_database_unreachable(sys.exc_info()[1]):
        return database_unavailable_response()
    return standalone_response(template_name, status=500)


def bad_request(request, exception, template_name="400.html"):
    """handler400: a French page for a request Django refuses before any view (a Host not in
    ALLOWED_HOSTS, too many form fields or files, a body too big, any SuspiciousOperation or
    BadRequest), rendered without the request (its Host is not to be trusted) nor the
    database; it says which of those it was, and links to the site's own address."""
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent | RequestDataTooBig):
        reason = "too_big"
    elif isinstance(exception, DisallowedHost):
        reason = "host"
    else:
        reason = ""
    return standalone_response(
        template_name, status=400, context={"reason": reason, "SITE_URL": settings.SITE_URL}
    )


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: an expired form (or cookies refused) explained in French, in the
    site's layout, with a way back."""
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    return render(request, "403_csrf.html", {"back_url": back}, status=403)
