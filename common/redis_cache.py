"""Django's Redis cache, with one Redis client per connection pool instead of one per call,
and a cache that is never the reason a page fails.

- `django.core.cache.backends.redis.RedisCacheClient.get_client` builds a `redis.Redis` for
  every cache operation; on a catalogue page served from the cache that construction was a
  third of the view's own time (docs/PERFORMANCE.md, issue 16). A `redis.Redis` is safe to
  share between threads (each command borrows a connection from the pool), and redis-py's
  pool re-creates its connections in a forked process, so one client per pool is enough.
- Redis unreachable (stopped, restarting, a network cut) or too slow (`socket_timeout`):
  every read is a miss and every write is dropped, with a warning in the log, so the pages
  render from the database as without a cache (and logins go on, without their rate limits,
  see `add`). What the cache holds is keyed by versions
  (catalog.cache_versions), so nothing wrong can be read from it afterwards about places;
  a bump of the catalogue's version lost during the cut may leave a listing (which actions
  a search lists) as it was until the next change or its day's expiry.

`CACHE_URL=rediscache://…` selects this backend (settings.py).
"""

from __future__ import annotations

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
# At most one warning in this many seconds, per process.
WARNING_INTERVAL = 60.0
_last_warning = [0.0]


class PooledRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client

    def incr(self, key, delta):
        """Django's `incr` (a missing key raises ValueError, never starts at 1), in one round
        trip rather than two (EXISTS, then INCRBY), and atomic: a key evicted between the two
        can no longer come back as `delta`."""
        client = self.get_client(key, write=True)
        value = client.eval(_INCR_EXISTING, 1, key, delta)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value


_INCR_EXISTING = (
    "if redis.call('exists', KEYS[1]) == 1 then "
    "return redis.call('incrby', KEYS[1], ARGV[1]) end return false"
)


def _unavailable(fallback):
    """Run the cache operation; when Redis cannot answer, warn and return `fallback(args)`."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNAVAILABLE as error:
                now = time.monotonic()
                if now - _last_warning[0] > WARNING_INTERVAL:
                    _last_warning[0] = now
                    logger.warning("Cache unavailable, pages rendered without it: %s", error)
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


def _missing_key(*args, **kwargs):
    raise ValueError("cache unavailable")  # what `incr` raises for a missing key


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledRedisCacheClient

    get = _unavailable(lambda key, default=None, version=None: default)(DjangoRedisCache.get)
    get_many = _unavailable(lambda *args, **kwargs: {})(DjangoRedisCache.get_many)
    has_key = _unavailable(lambda *args, **kwargs: False)(DjangoRedisCache.has_key)
    # True: what `add` says when it stored the key (an entry may go at any time anyway).
    # allauth takes its rate limits' locks with `add`: False would make it wait a second,
    # then refuse every login (429) while Redis is away; True lets people log in, without
    # the rate limits for the time of the cut.
    add = _unavailable(lambda *args, **kwargs: True)(DjangoRedisCache.add)
    set = _unavailable(lambda *args, **kwargs: None)(DjangoRedisCache.set)
    set_many = _unavailable(lambda data, *args, **kwargs: list(data))(DjangoRedisCache.set_many)
    touch = _unavailable(lambda *args, **kwargs: False)(DjangoRedisCache.touch)
    delete = _unavailable(lambda *args, **kwargs: False)(DjangoRedisCache.delete)
    delete_many = _unavailable(lambda *args, **kwargs: None)(DjangoRedisCache.delete_many)
    incr = _unavailable(_missing_key)(DjangoRedisCache.incr)
    clear = _unavailable(lambda *args, **kwargs: None)(DjangoRedisCache.clear)
