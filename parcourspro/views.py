from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

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
