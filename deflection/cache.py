"""A Redis cache that never fails a request: an unreachable Redis is a cache miss.

The cache only ever holds what can be worked out again from PostgreSQL (referral set-up,
published report figures, rate-limit counters), so when Redis is down a page computes its
answer itself instead of answering 500 (issue 15). Reads return the default, writes and
deletes do nothing, and one warning (never a key or a value: keys can name a program's
period, values can hold anything) is logged at most once a minute per process
(deflection/circuit.py). After a failure the cache does not try Redis for a few seconds, so an
outage costs a request nothing beyond the work the cache would have saved.
"""

from __future__ import annotations

import threading

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
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


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, with every operation degrading to a miss or a no-op when Redis is unreachable.

    OPTIONS pass through to Django's RedisCache unchanged (a serializer, pool options).
    """

    def _guard(self, default, method, *args, **kwargs):
        if circuit.is_open():
            return default
        try:
            # Invalidations missed during an outage go first, so no read serves an entry they dropped.
            if _missed_deletes:
                self._replay_missed_deletes()
            return method(*args, **kwargs)
        except UNREACHABLE as exc:
            circuit.record_failure(exc)
            return default

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
        return self._guard(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._guard(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        deleted = self._guard(None, super().delete, key, version)
        if deleted is None:
            self._remember_delete([key], version)
            return False
        return deleted

    def get_many(self, keys, version=None):
        return self._guard({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guard(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        # A counter that cannot be read cannot be incremented: Django's contract for a missing key.
        if circuit.is_open():
            raise ValueError("key not found (cache unavailable)")
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE as exc:
            circuit.record_failure(exc)
            raise ValueError("key not found (cache unavailable)") from exc

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard([], super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        if self._guard(False, self._delete_many_ok, keys, version) is False:
            self._remember_delete(keys, version)

    def _delete_many_ok(self, keys, version) -> bool:
        super().delete_many(keys, version)
        return True

    def clear(self):
        return bool(self._guard(False, super().clear))
