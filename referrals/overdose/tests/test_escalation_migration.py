"""Migrations 0003/0004: the old OutreachEscalation rows move to referrals.clocks' Escalation and notices."""

import datetime

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from deflection.models import OutboxMessage
from referrals.clocks.models import Escalation, EscalationNotice

from .conftest import record

BEFORE = ("overdose", "0002_outreach_queue_index")
AFTER = ("overdose", "0004_drop_outreach_escalation")


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


@pytest.fixture(autouse=True)
def _fresh_model_caches():
    """Migrating back and forth renders historical models; the real registry's caches must not keep them.
    The database goes back to every app's latest migration, so later tests (and later overdose migrations
    than AFTER) find the schema the code expects."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    apps.clear_cache()


@pytest.mark.django_db(transaction=True)
def test_old_outreach_escalations_become_clock_escalations_with_their_notices(qworld):
    emailed = record(qworld, hours_ago=40).outreach_case
    pending = record(qworld, hours_ago=30, first_name="Ottoline", last_name="Braxby").outreach_case
    old = _migrate(BEFORE)
    OutreachEscalation = old.get_model("overdose", "OutreachEscalation")
    at = timezone.now() - datetime.timedelta(hours=10)
    OutreachEscalation.objects.create(case_id=emailed.pk, level=1, at=at, notified_id=qworld.on_call.pk, emailed_at=at)
    OutreachEscalation.objects.create(case_id=emailed.pk, level=2, at=at, emailed_at=at)
    OutreachEscalation.objects.create(case_id=pending.pk, level=1, at=at, notified_id=qworld.on_call.pk)
    OutboxMessage.objects.create(task_name="referrals.overdose.tasks.email_outreach_escalation", kwargs={"escalation_id": 3})

    _migrate(AFTER)

    rows = Escalation.objects.filter(clock="outreach").order_by("subject_id", "level")
    assert [(e.subject_id, e.level, e.provider_id, e.due_at) for e in rows] == [
        (emailed.pk, 1, qworld.provider.pk, emailed.due_at),
        (emailed.pk, 2, qworld.provider.pk, emailed.due_at),
        (pending.pk, 1, qworld.provider.pk, pending.due_at),
    ]
    notices = EscalationNotice.objects.order_by("escalation__subject_id", "escalation__level")
    assert [(n.recipient_id, n.emailed_at is not None) for n in notices] == [
        (qworld.on_call.pk, True),
        (qworld.coordinator.pk, True),  # the coordinator step went to the program's coordinators
        (qworld.on_call.pk, False),
    ]
    # The email that had not gone yet goes under the clocks' task; the old task's message is gone.
    unsent = notices.get(emailed_at__isnull=True)
    assert list(OutboxMessage.objects.values_list("task_name", "kwargs")) == [
        ("referrals.tasks.email_escalation_notice", {"notice_id": unsent.pk})
    ]
