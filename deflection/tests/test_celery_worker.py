"""A task published through the outbox runs on a real worker against real Redis."""

from contextlib import contextmanager

import pytest
from django.db import transaction

from deflection import health
from deflection.celery import app
from deflection.models import OutboxMessage, OutboxStatus
from deflection.outbox import enqueue
from deflection.tasks import relay_outbox
from deflection.tests.workers import wait_for

pytestmark = pytest.mark.worker


def test_outbox_task_runs_on_a_real_worker(celery_worker):
    client = health._redis()
    client.delete(health.HEARTBEAT_KEY)
    with transaction.atomic():
        message = enqueue("deflection.tasks.heartbeat")
    assert wait_for(lambda: client.get(health.HEARTBEAT_KEY) is not None, timeout=20), "worker never ran the task"
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT


@contextmanager
def broker_at(url):
    """Point the app at another broker URL; the cached pools are dropped so the change takes effect."""
    saved = app.conf.broker_url

    def drop_pools():
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url = url
    drop_pools()
    try:
        yield
    finally:
        app.conf.broker_url = saved
        drop_pools()


def test_outbox_keeps_the_task_while_the_broker_is_down_and_relays_it_later(transactional_db):
    with broker_at("redis://127.0.0.1:1/0"):  # nothing listens on port 1: the broker is "down"
        with transaction.atomic():
            message = enqueue("deflection.tasks.ping", token="x")
        message.refresh_from_db()
        assert message.status == OutboxStatus.PENDING
        assert message.attempts == 1
    assert relay_outbox() == 1
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxStatus.SENT
