import sys

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from web.errors import database_unavailable_response, is_database_unreachable, standalone_response

from .celery import app as celery_app


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 — any failure means the database does not answer
        return "error"
    return "ok"


def broker_state() -> str:
    """'ok' when the broker answers, 'eager' when none is configured, 'error' otherwise."""
    if not settings.CELERY_BROKER_URL:
        return "eager"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # noqa: BLE001 — any failure means the broker does not answer
        return "error"
    return "ok"


@never_cache
@require_safe
def healthz(request):
    """JSON state of the database and the broker: 200 when both answer, 503 otherwise."""
    state = {"database": database_state(), "broker": broker_state()}
    healthy = state["database"] == "ok" and state["broker"] in {"ok", "eager"}
    state["status"] = "ok" if healthy else "error"
    return JsonResponse(state, status=200 if healthy else 503)


def server_error(request, template_name="500.html"):
    """handler500: a French page that needs neither the request's context nor the database;
    a database outage answers 503 « service momentanément indisponible » instead."""
    if is_database_unreachable(sys.exc_info()[1]):
        return database_unavailable_response()
    return standalone_response(template_name, status=500)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: an expired form (or cookies refused) explained in French, in the
    site's layout, with a way back."""
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    return render(request, "403_csrf.html", {"back_url": back}, status=403)
