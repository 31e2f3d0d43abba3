"""/healthz: JSON state of the database and the Celery broker."""

import socket

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/0"
UNREACHABLE_URL = "redis://127.0.0.1:1/0"


def redis_is_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def broker(settings, monkeypatch):
    """Point the Celery app at `url` for the test, and restore it afterwards."""
    from parcourspro.celery import app

    previous = app.conf.broker_url

    def use(url):
        settings.CELERY_BROKER_URL = url
        # Celery reads the CELERY_BROKER_URL environment variable before its own settings.
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        # healthz opens a fresh connection (connection_for_write), so the app's pools, which
        # other tests use, are left alone.
        app.conf.broker_url = url

    yield use
    settings.CELERY_BROKER_URL = ""
    app.conf.broker_url = previous


def test_healthz_eager_without_broker(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "eager", "status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.skipif(not redis_is_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_healthz_ok_with_reachable_redis(client, broker):
    broker(REDIS_URL)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "status": "ok"}


def test_healthz_503_with_unreachable_broker(client, broker):
    broker(UNREACHABLE_URL)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"database": "ok", "broker": "error", "status": "error"}


def test_healthz_refuses_post(client):
    assert client.post(reverse("healthz")).status_code == 405
