"""Transactional outbox: enqueue Celery work that survives Redis being down (SECURITY.md 18)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from deflection.models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)


def enqueue(task_name: str, **kwargs) -> OutboxMessage:
    """Record a task in the caller's transaction; publish it once that commits.

    kwargs are ids and other plain values, never personal data (SECURITY.md 12).
    """
    message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs)
    transaction.on_commit(lambda: publish(message.pk))
    return message


def publish(message_id: int) -> bool:
    """Send one pending message to the broker. Returns False if the broker is unreachable."""
    from deflection.celery import app  # noqa: PLC0415  (avoid import cycle at startup)

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
            logger.warning("outbox: broker unavailable for message %s: %s", message.pk, type(exc).__name__)
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
