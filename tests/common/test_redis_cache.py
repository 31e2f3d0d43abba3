"""The shared cache (`common.redis_cache`: django-redis, `IGNORE_EXCEPTIONS`): what settings.py
builds from `CACHE_URL`, `add` as allauth needs it with Redis there and away, `incr` as
Django's, and a release's keys (`CACHE_KEY_PREFIX`) that the next release never reads."""

import pytest
from django.core.cache import caches
from django.test import override_settings

from tests.catalog.test_cache_places import REDIS_CACHE, production_caches, redis_answers
from tests.parcourspro.test_settings import probe

REFUSED = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis(settings):
    if not redis_answers():
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    settings.CACHES = production_caches(REDIS_CACHE)
    return caches["default"]


def test_settings_build_the_shared_cache_from_the_environment(tmp_path):
    cache = probe(tmp_path, CACHE_URL="rediscache://redis:6379/1", CACHE_KEY_PREFIX="2026.12.1")[
        "cache"
    ]
    assert cache["BACKEND"] == "common.redis_cache.RedisCache"
    assert cache["LOCATION"] == "redis://redis:6379/1"
    assert cache["KEY_PREFIX"] == "2026.12.1"
    assert cache["OPTIONS"] == {
        "IGNORE_EXCEPTIONS": True,
        "SOCKET_CONNECT_TIMEOUT": 0.5,
        "SOCKET_TIMEOUT": 0.5,
    }


def test_add_says_whether_it_stored(redis):
    assert redis.add("lock", True, timeout=60) is True
    assert redis.add("lock", True, timeout=60) is False


def test_add_without_redis_says_stored():
    """allauth's rate limits take a lock with `add`; django-redis's None would read as a lock
    held by someone else (a second's wait, then a refused login)."""
    with override_settings(CACHES=production_caches(REFUSED)):
        assert caches["default"].add("lock", True, timeout=60) is True


def test_incr_adds_to_a_key_that_exists_and_never_creates_one(redis):
    redis.set("version", 41, timeout=60)
    assert redis.incr("version") == 42
    assert redis.incr("version", 5) == 47
    assert redis.get("version") == 47
    with pytest.raises(ValueError):
        redis.incr("never-set")
    assert redis.get("never-set") is None


def test_a_release_never_reads_the_keys_of_another(redis, settings):
    redis.set("fragment", "old release's HTML", timeout=60)
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": "the-next-release"},
    }
    assert caches["default"].get("fragment") is None
