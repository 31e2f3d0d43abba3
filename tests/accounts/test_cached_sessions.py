"""Sessions stay in the database (Django's `db` engine) with the shared Redis cache of
production (issue 22): a logout ends the session for good, even when Redis was away while it
happened (a dropped cache delete cannot give the old cookie back once Redis answers again);
a logged-in request reads its session by primary key, in one query, and never from Redis."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.catalog.test_cache_places import REDIS_CACHE, production_caches, redis_answers
from tests.factories import MemberEmployeeFactory

pytestmark = pytest.mark.django_db

MY_SPACE = reverse("enrollment:my_space")
REFUSED = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_caches(settings):
    if not redis_answers():
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    settings.CACHES = production_caches(REDIS_CACHE)
    return settings.CACHES


def refused(caches: dict) -> dict:
    """The same cache, Redis away: every command refused, its writes and deletes dropped."""
    return {"default": {**caches["default"], "LOCATION": REFUSED}}


def test_a_logout_while_redis_is_away_ends_the_session_for_good(client, settings, redis_caches):
    client.force_login(MemberEmployeeFactory())
    assert client.get(MY_SPACE).status_code == 200  # read (and, with a cache, kept) once
    cookie = client.cookies["sessionid"].value
    settings.CACHES = refused(redis_caches)
    assert client.post(reverse("account_logout")).status_code == 302
    settings.CACHES = redis_caches  # Redis answers again
    client.cookies["sessionid"] = cookie  # the cookie of the session that ended
    response = client.get(MY_SPACE)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_logged_in_request_reads_its_session_in_one_query_by_key(client, redis_caches):
    client.force_login(MemberEmployeeFactory())
    cookie = client.cookies["sessionid"].value
    with CaptureQueriesContext(connection) as queries:
        assert client.get(MY_SPACE).status_code == 200
    reads = [q["sql"] for q in queries if "django_session" in q["sql"]]
    assert len(reads) == 1
    assert '"django_session"."session_key" = ' in reads[0] and cookie in reads[0]


def test_without_redis_a_logged_in_person_goes_on(client, settings):
    settings.CACHES = production_caches(REFUSED)
    client.force_login(MemberEmployeeFactory())
    assert client.get(MY_SPACE).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert client.get(MY_SPACE).status_code == 302
