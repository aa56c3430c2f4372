"""/healthz: database, Redis and the Celery worker's last heartbeat, as JSON, with the outbox backlog.

Any of the three failing is a 503, so a load balancer and monitoring see a degraded Redis or a dead
worker; the app itself keeps taking referrals (the cache misses, the outbox keeps the work).
"""

from __future__ import annotations

import time

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from deflection.models import OutboxStatus

HEARTBEAT_KEY = "deflection:worker-heartbeat"


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)


def record_heartbeat() -> None:
    _redis().set(HEARTBEAT_KEY, str(time.time()), ex=int(settings.HEARTBEAT_MAX_AGE.total_seconds()) * 4)


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:  # noqa: BLE001  (report any failure, never raise from a health check)
        return {"ok": False, "error": type(exc).__name__}


def _check_redis_and_worker() -> tuple[dict, dict]:
    try:
        client = _redis()
        client.ping()
        raw = client.get(HEARTBEAT_KEY)
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": type(exc).__name__}, {"ok": False, "error": "redis unreachable"}
    if raw is None:
        return {"ok": True}, {"ok": False, "error": "no heartbeat yet"}
    age = max(0.0, time.time() - float(raw))
    fresh = age <= settings.HEARTBEAT_MAX_AGE.total_seconds()
    return {"ok": True}, {"ok": fresh, "last_heartbeat_seconds_ago": round(age, 1)}


def _outbox_backlog() -> dict:
    """Work waiting for the broker: while Redis is down this grows, and it drains once Redis is back."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), extract(epoch FROM now() - min(created_at)) FROM deflection_outboxmessage WHERE status = %s",
                [OutboxStatus.PENDING],
            )
            pending, oldest = cursor.fetchone()
    except Exception as exc:  # noqa: BLE001
        return {"error": type(exc).__name__}
    return {"pending": pending, "oldest_pending_seconds": round(float(oldest), 1) if oldest is not None else None}


@never_cache
def healthz(request):
    database = _check_database()
    redis_status, worker = _check_redis_and_worker()
    ok = database["ok"] and redis_status["ok"] and worker["ok"]
    body = {"status": "ok" if ok else "fail", "database": database, "redis": redis_status, "worker": worker}
    if database["ok"]:
        body["outbox"] = _outbox_backlog()
    return JsonResponse(body, status=200 if ok else 503)
