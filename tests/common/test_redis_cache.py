"""The shared cache's client (`common.redis_cache`): `incr` as Django's, in one round trip."""

import uuid

import pytest

from common.redis_cache import RedisCache
from tests.catalog.test_cache_places import REDIS_CACHE, redis_answers

pytestmark = pytest.mark.skipif(not redis_answers(), reason="Redis does not answer here")


@pytest.fixture
def cache():
    return RedisCache(REDIS_CACHE, {"KEY_PREFIX": uuid.uuid4().hex})


def test_incr_adds_to_a_key_that_exists(cache):
    cache.set("version", 41, timeout=60)
    assert cache.incr("version") == 42
    assert cache.incr("version", 5) == 47
    assert cache.get("version") == 47


def test_incr_of_a_missing_key_raises_and_creates_nothing(cache):
    with pytest.raises(ValueError):
        cache.incr("never-set")
    assert cache.get("never-set") is None


def test_incr_answers_in_one_round_trip(cache, monkeypatch):
    cache.set("version", 1, timeout=60)
    client = cache._cache.get_client("version", write=True)
    commands = []
    original = type(client).execute_command

    def counted(self, *args, **kwargs):
        commands.append(args[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(client), "execute_command", counted)
    cache.incr("version")
    assert commands == ["EVAL"]
