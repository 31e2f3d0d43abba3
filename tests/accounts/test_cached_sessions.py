"""Sessions read from the shared cache (Redis, `CACHE_URL`) and kept in the database too:
a logged-in request does not query PostgreSQL for its session, a session ended is ended for
every worker, and Redis away only costs the read (issue 16)."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.catalog.test_cache_places import REDIS_CACHE, redis_answers
from tests.factories import MemberEmployeeFactory

pytestmark = pytest.mark.django_db

CACHED_DB = "django.contrib.sessions.backends.cached_db"
MY_SPACE = reverse("enrollment:my_space")


def shared_cache(location: str) -> dict:
    return {
        "default": {
            "BACKEND": "common.redis_cache.RedisCache",
            "LOCATION": location,
            # Keys of this test's own: parallel tests share the Redis database.
            "KEY_PREFIX": uuid.uuid4().hex,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.fixture
def redis_sessions(settings):
    if not redis_answers():
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    settings.CACHES = shared_cache(REDIS_CACHE)
    settings.SESSION_ENGINE = CACHED_DB


def session_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, [q["sql"] for q in queries if "django_session" in q["sql"]]


def test_a_logged_in_page_reads_its_session_from_the_cache(client, redis_sessions):
    client.force_login(MemberEmployeeFactory())
    response, reads = session_queries(client, MY_SPACE)
    assert response.status_code == 200
    assert reads == []


def test_a_session_ended_is_refused_with_its_old_cookie(client, redis_sessions):
    client.force_login(MemberEmployeeFactory())
    cookie = client.cookies["sessionid"].value
    assert client.get(MY_SPACE).status_code == 200
    client.post(reverse("account_logout"))
    client.cookies["sessionid"] = cookie  # the cookie of the session that ended
    response = client.get(MY_SPACE)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_without_redis_the_session_comes_from_the_database(client, settings):
    settings.CACHES = shared_cache("redis://127.0.0.1:1/0")  # refused at once
    settings.SESSION_ENGINE = CACHED_DB
    client.force_login(MemberEmployeeFactory())
    response, reads = session_queries(client, MY_SPACE)
    assert response.status_code == 200
    assert len(reads) == 1
