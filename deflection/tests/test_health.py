"""/healthz reports the database, Redis and the worker heartbeat."""

import json

from django.urls import reverse

from deflection import health


def test_healthz_ok_with_fresh_heartbeat(client, db):
    health.record_heartbeat()
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["database"]["ok"] and body["redis"]["ok"] and body["worker"]["ok"]


def test_healthz_503_when_worker_never_beat(client, db):
    health._redis().delete(health.HEARTBEAT_KEY)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert json.loads(response.content)["worker"]["ok"] is False


def test_healthz_503_when_redis_unreachable(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["redis"]["ok"] is False
    assert body["database"]["ok"] is True


def test_healthz_shows_the_outbox_backlog_waiting_for_redis(client, db):
    from deflection.models import OutboxMessage

    health.record_heartbeat()
    OutboxMessage.objects.create(task_name="deflection.tasks.ping", kwargs={"token": "t"})
    body = json.loads(client.get(reverse("healthz")).content)
    assert body["outbox"]["pending"] == 1
    assert body["outbox"]["oldest_pending_seconds"] is not None
