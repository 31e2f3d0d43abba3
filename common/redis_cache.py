"""The shared cache: django-redis, whose `IGNORE_EXCEPTIONS` option turns Redis away (stopped,
restarting, a network cut, slower than `SOCKET_TIMEOUT`) into misses and dropped writes, with
the error logged (`DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS`): pages render from the database,
never a 500. `CACHE_URL=rediscache://…` selects it (settings.py).

One answer is changed: `add`. With the exception ignored, django-redis answers None, which
django-allauth's rate limits read as « the lock is someone else's »: each login would wait a
second and be refused (429) for as long as Redis is away. Taken as stored instead (as Django's
own backends answer for a key that may go at any time), a login goes on, without its rate
limit for the time of the cut.
"""

from __future__ import annotations

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django_redis.cache import RedisCache as DjangoRedisCache


class RedisCache(DjangoRedisCache):
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None, client=None):
        added = super().add(key, value, timeout=timeout, version=version, client=client)
        return True if added is None else added
