"""A beat scheduler of which only one copy sends anything: two beats started by mistake make one schedule.

Each beat tries to hold a lock in Redis (a key with a 30-second expiry, renewed on every loop); the one
that holds it sends the due tasks, any other stays on standby and takes over within the expiry if the
active one dies. The tasks themselves are idempotent per schedule slot as well (unique rows, claims), so a
takeover that re-sends an entry the old beat had just sent still produces one of everything (issue 15).
"""

from __future__ import annotations

import uuid

import redis
from celery.beat import PersistentScheduler
from celery.utils.log import get_logger
from django.conf import settings

# Celery's own logger tree: beat sets up its handlers, Django's LOGGING does not reach a beat process.
logger = get_logger(__name__)

LOCK_KEY = "deflection:beat-lock"
LOCK_SECONDS = 30
# The beat loop must come round well inside the lock's expiry to renew it.
LOOP_SECONDS = 5.0

# Renew the lock if this beat holds it, take it if nobody does; 1 if this beat holds it afterwards.
_HOLD = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
end
if not holder then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class SingleBeatScheduler(PersistentScheduler):
    def __init__(self, *args, **kwargs):
        self.beat_id = uuid.uuid4().hex
        self.active: bool | None = None  # unknown until the first loop, so the first state is logged
        self._redis = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        super().__init__(*args, **kwargs)
        self.max_interval = min(self.max_interval, LOOP_SECONDS)

    def _holds_lock(self) -> bool:
        try:
            held = bool(self._redis.eval(_HOLD, 1, LOCK_KEY, self.beat_id, LOCK_SECONDS * 1000))
        except (redis.exceptions.RedisError, OSError):
            held = False  # no Redis, no broker: nothing could be sent anyway
        if held != self.active:
            self.active = held
            logger.warning("beat %s: %s", self.beat_id[:8], "active" if held else "on standby (another beat is active)")
        return held

    def tick(self, *args, **kwargs):
        if not self._holds_lock():
            return LOOP_SECONDS
        return min(super().tick(*args, **kwargs), LOOP_SECONDS)

    def close(self):
        try:
            self._redis.eval(_RELEASE, 1, LOCK_KEY, self.beat_id)
        except (redis.exceptions.RedisError, OSError):
            pass
        super().close()
