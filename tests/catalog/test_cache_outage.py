"""Redis unreachable (django-redis with `IGNORE_EXCEPTIONS`, `common.redis_cache`): every page
still answers, from the database, with the truth about places; a person still logs in (and
at once: allauth's rate limit does not wait for a lock Redis cannot give); nothing is a 500.
Port 1 of 127.0.0.1 refuses connections."""

import logging
import time

import pytest
from django.core.cache import caches
from django.urls import reverse

from catalog.models import ActionKind
from tests.catalog.test_cache_places import pages, places_shown, production_caches
from tests.factories import DEMO_PASSWORD, MemberEmployeeFactory, register, session_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_down(settings):
    settings.CACHES = production_caches("redis://127.0.0.1:1/0")
    return caches["default"]


def test_the_cache_answers_misses_and_drops_writes(cache_down, caplog):
    with caplog.at_level(logging.ERROR, logger="django_redis.cache"):
        cache_down.set("a", 1)
        assert cache_down.get("a", "absent") == "absent"
        assert cache_down.get_many(["a", "b"]) == {}
        assert cache_down.add("a", 1) is True  # as if stored: allauth's locks go on
        assert cache_down.incr("a") is None
        cache_down.delete("a")
    assert "Exception ignored" in caplog.text  # DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS


def test_every_public_page_tells_the_places_without_the_cache(client, cache_down):
    session = session_of(ActionKind.WEBINAR, days=3, capacity=5)
    for url in pages(session).values():
        response = client.get(url)
        assert response.status_code == 200, url
        assert places_shown(response.content.decode(), session) == "5 places restantes"
    register(MemberEmployeeFactory(), session)  # its version bumps fail quietly
    for url in pages(session).values():
        assert places_shown(client.get(url).content.decode(), session) == "4 places restantes"


def test_a_person_logs_in_at_once_and_validates_a_cart_without_the_cache(client, cache_down):
    from allauth.account.models import EmailAddress

    person = MemberEmployeeFactory()
    EmailAddress.objects.update_or_create(
        user=person, email=person.email, defaults={"verified": True, "primary": True}
    )
    started = time.monotonic()
    response = client.post(
        reverse("account_login"), {"login": person.email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert time.monotonic() - started < 1  # allauth's lock would have waited a second
    session = session_of(ActionKind.WEBINAR, days=3, capacity=5)
    assert client.get(session.action.get_absolute_url()).status_code == 200
    assert client.get(reverse("catalog:catalogue")).status_code == 200
    register(person, session)
    assert client.get(reverse("enrollment:my_space")).status_code == 200
