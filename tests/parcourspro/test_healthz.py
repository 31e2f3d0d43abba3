"""/healthz: JSON state of each part (database, broker, cache), within half a second whatever
is down; 503 only when the database does not answer (a load balancer takes the instance out),
200 « degraded » when the broker or the cache is down (the pages work without them)."""

import socket
import time

import pytest
from django.db.utils import ConnectionHandler
from django.urls import reverse

from parcourspro import views
from tests.integration.private_redis import private_redis  # noqa: F401 — a fixture

pytestmark = pytest.mark.django_db

REFUSED_URL = "redis://127.0.0.1:1/0"
# Within the budget of the view (0.4 s), with room for the test client.
ANSWERS_WITHIN = 0.5


@pytest.fixture
def broker(settings):
    """Point the Celery app at `url` for the test, and restore it afterwards."""
    from parcourspro.celery import app

    previous = app.conf.broker_url

    def use(url):
        settings.CELERY_BROKER_URL = url
        # healthz opens a fresh connection (connection_for_write), so the app's pools, which
        # other tests use, are left alone.
        app.conf.broker_url = url

    yield use
    app.conf.broker_url = previous


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never answers (a hung Redis, a host behind a
    firewall that lets the handshake through)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


def timed_get(client):
    client.get(reverse("healthz"))  # the first request of a process imports what it needs
    started = time.monotonic()
    response = client.get(reverse("healthz"))
    return response, time.monotonic() - started


def test_healthz_ok_without_broker(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "eager", "cache": "ok", "status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_ok_with_a_reachable_broker(client, broker, private_redis):  # noqa: F811
    broker(private_redis.url())
    response, elapsed = timed_get(client)
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "cache": "ok", "status": "ok"}
    assert elapsed < ANSWERS_WITHIN


def test_a_refused_broker_is_named_at_once_and_the_instance_stays_in_service(client, broker):
    broker(REFUSED_URL)
    response, elapsed = timed_get(client)
    assert elapsed < ANSWERS_WITHIN, f"/healthz took {elapsed:.2f} s"
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "database": "ok",
        "broker": "error",
        "cache": "ok",
        "status": "degraded",
    }


def test_a_broker_that_never_answers_is_named_within_half_a_second(client, broker, silent_server):
    broker(silent_server)
    response, elapsed = timed_get(client)
    assert elapsed < ANSWERS_WITHIN, f"/healthz took {elapsed:.2f} s"
    assert response.status_code == 200
    assert response.json()["broker"] in {"error", "timeout"}
    assert response.json()["status"] == "degraded"


def test_a_cache_that_is_down_is_named(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "common.redis_cache.RedisCache",
            "LOCATION": REFUSED_URL,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    settings.CELERY_BROKER_URL = ""
    response, elapsed = timed_get(client)
    assert elapsed < ANSWERS_WITHIN, f"/healthz took {elapsed:.2f} s"
    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "broker": "eager",
        "cache": "error",
        "status": "degraded",
    }


def test_a_cache_that_never_answers_is_named_within_half_a_second(client, settings, silent_server):
    settings.CACHES = {
        "default": {
            "BACKEND": "common.redis_cache.RedisCache",
            "LOCATION": silent_server,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    response, elapsed = timed_get(client)
    assert elapsed < ANSWERS_WITHIN, f"/healthz took {elapsed:.2f} s"
    assert response.json()["cache"] in {"error", "timeout"}
    assert response.json()["status"] == "degraded"


def test_a_database_that_is_down_answers_503(client, monkeypatch, broker):
    """The database refuses connections (PostgreSQL asked on a closed port): 503, so that a
    load balancer sends no one to an instance that can serve nothing; the other parts are
    still reported."""
    refused = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "parcourspro",
                "USER": "postgres",
                "HOST": "127.0.0.1",
                "PORT": "1",
                "OPTIONS": {"connect_timeout": 2},
            }
        }
    )
    monkeypatch.setattr(views, "connection", refused["default"])
    broker(REFUSED_URL)
    try:
        response, elapsed = timed_get(client)
    finally:
        refused.close_all()
    assert elapsed < ANSWERS_WITHIN, f"/healthz took {elapsed:.2f} s"
    assert response.status_code == 503
    assert response.json() == {
        "database": "error",
        "broker": "error",
        "cache": "ok",
        "status": "error",
    }


def test_healthz_refuses_post(client):
    assert client.post(reverse("healthz")).status_code == 405
