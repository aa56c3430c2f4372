"""A Redis cache that never fails a request: an unreachable Redis is a cache miss, not an error.

The cache only ever holds what can be worked out again from PostgreSQL (referral set-up, published
report figures, rate-limit counters), so when Redis is down a page computes its answer itself
instead of answering 500 (issue 15). Reads miss, then find what this process computed in the last
minute; writes stay in the process; deletes are remembered and replayed once Redis is back. One
warning a minute per process names only the error's type, never a key or a value
(deflection/circuit.py). After a failure the cache does not try Redis for a few seconds, so an
outage costs a request little beyond the work the cache would have saved.
"""

from __future__ import annotations

import threading

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from deflection.circuit import Circuit

# Errors that mean "Redis is not there right now"; anything else (a bad key, a pickling bug) still raises.
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
circuit = Circuit("cache", retry_after=5.0)
# Deletes that could not reach Redis: an invalidation (a program's checklist changed) must not be lost,
# or Redis would serve the old entry once it is back. Replayed by the first call that reaches Redis.
# Per process, not per backend instance: Django keeps one cache instance per thread.
_missed_deletes: set[tuple[str, int | None]] = set()
_missed_lock = threading.Lock()
# While Redis is away, entries live in this process for at most a minute: a form opened twenty times a
# second then costs its queries once a minute per process, not on every request. It is read only during
# an outage, so once Redis is back nothing stale comes from it, and its short life bounds how stale an
# entry can be in a process that did not see a change made in another one.
LOCAL_SECONDS = 60
_local = LocMemCache("deflection-redis-fallback", {"TIMEOUT": LOCAL_SECONDS, "OPTIONS": {"MAX_ENTRIES": 2000}})


def _local_timeout(timeout) -> int:
    if timeout is DEFAULT_TIMEOUT or timeout is None:
        return LOCAL_SECONDS
    return min(int(timeout), LOCAL_SECONDS)


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, with every operation degrading to a process-local cache when Redis is unreachable.

    OPTIONS pass through to Django's RedisCache unchanged (a serializer, pool options).
    """

    def _guard(self, fallback, method, *args):
        """Run `method` against Redis; while Redis is unreachable, run `fallback` against the local cache."""
        if circuit.is_open():
            return fallback()
        try:
            # Invalidations missed during an outage go first, so no read serves an entry they dropped.
            if _missed_deletes:
                self._replay_missed_deletes()
            return method(*args)
        except UNREACHABLE as exc:
            circuit.record_failure(exc)
            return fallback()

    def _remember_delete(self, keys, version) -> None:
        with _missed_lock:
            _missed_deletes.update((key, version) for key in keys)

    def _replay_missed_deletes(self) -> None:
        with _missed_lock:
            missed = set(_missed_deletes)
            _missed_deletes.clear()
        try:
            for key, version in missed:
                super().delete(key, version)
        except UNREACHABLE:
            with _missed_lock:
                _missed_deletes.update(missed)
            raise

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(
            lambda: _local.add(key, value, _local_timeout(timeout), version), super().add, key, value, timeout, version
        )

    def get(self, key, default=None, version=None):
        return self._guard(lambda: _local.get(key, default, version), super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(
            lambda: _local.set(key, value, _local_timeout(timeout), version), super().set, key, value, timeout, version
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(lambda: _local.touch(key, _local_timeout(timeout), version), super().touch, key, timeout, version)

    def delete(self, key, version=None):
        def offline():
            self._remember_delete([key], version)
            return _local.delete(key, version) and False

        return self._guard(offline, super().delete, key, version)

    def get_many(self, keys, version=None):
        keys = list(keys)
        return self._guard(lambda: _local.get_many(keys, version), super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guard(lambda: _local.has_key(key, version), super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        # Counters (rate limits) count per process while Redis is away; a missing key raises ValueError as usual.
        return self._guard(lambda: _local.incr(key, delta, version), super().incr, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(
            lambda: _local.set_many(data, _local_timeout(timeout), version), super().set_many, data, timeout, version
        )

    def delete_many(self, keys, version=None):
        keys = list(keys)

        def offline():
            self._remember_delete(keys, version)
            _local.delete_many(keys, version)

        self._guard(offline, super().delete_many, keys, version)

    def clear(self):
        return bool(self._guard(lambda: _local.clear() and False, super().clear))
