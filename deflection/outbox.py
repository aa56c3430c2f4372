"""Transactional outbox: enqueue Celery work that survives Redis being down (SECURITY.md 18)."""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from deflection.celery import app
from deflection.circuit import Circuit
from deflection.models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

# While the broker is known to be down, a request does not even try it: the row stays pending and the
# relay (beat's relay-outbox, every 30 s) publishes it once Redis is back.
broker_circuit = Circuit("outbox", retry_after=10.0)
_probes: dict[str, redis.Redis] = {}


def enqueue(task_name: str, **kwargs) -> OutboxMessage:
    """Record a task in the caller's transaction; publish it once that commits.

    kwargs are ids and other plain values, never personal data (SECURITY.md 12).
    """
    message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs)
    transaction.on_commit(lambda: publish_after_commit(message.pk))
    return message


def _broker_answers() -> bool:
    """One PING with short timeouts and no retries: the broker client itself retries for ~2 s when refused."""
    url = settings.REDIS_URL
    if url not in _probes:
        _probes[url] = redis.Redis.from_url(
            url, socket_connect_timeout=0.25, socket_timeout=0.5, retry=redis.retry.Retry(redis.backoff.NoBackoff(), 0)
        )
    try:
        return bool(_probes[url].ping())
    except (redis.exceptions.RedisError, OSError) as exc:
        broker_circuit.record_failure(exc)
        return False


def publish_after_commit(message_id: int) -> bool:
    """Publish right after the commit if the broker is there; otherwise leave the row to the relay.

    This runs inside the request that committed, so it must cost next to nothing when Redis is down.
    """
    if broker_circuit.is_open() or not _broker_answers():
        return False
    return publish(message_id)


def publish(message_id: int) -> bool:
    """Send one pending message to the broker. Returns False if the broker is unreachable."""
    with transaction.atomic():
        # Lock the row so that two relays never publish the same message at once.
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id, status=OutboxStatus.PENDING).first()
        )
        if message is None:
            return True
        try:
            app.send_task(message.task_name, kwargs=message.kwargs, retry=False)
        except Exception as exc:  # noqa: BLE001  (the broker's errors vary; the row stays pending)
            broker_circuit.record_failure(exc)
            OutboxMessage.objects.filter(pk=message.pk).update(attempts=message.attempts + 1, last_error=type(exc).__name__[:300])
            return False
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxStatus.SENT, sent_at=timezone.now(), attempts=message.attempts + 1, last_error=""
        )
        return True


def relay_pending(limit: int = 500) -> int:
    """Publish pending messages, oldest first; stop at the first broker failure."""
    sent = 0
    ids = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING).order_by("created_at").values_list("id", flat=True)[:limit]
    )
    for message_id in ids:
        if not publish(message_id):
            break
        sent += 1
    return sent
