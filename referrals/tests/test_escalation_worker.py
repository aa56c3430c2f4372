"""The escalation job on a real Celery worker, with its emails through a real SMTP server (issue 12)."""

import datetime
from email import message_from_bytes

import pytest
from django.db import transaction
from django.utils import timezone

from deflection.outbox import enqueue
from deflection.tests.workers import wait_for
from referrals.clocks.models import Escalation, EscalationNotice
from referrals.models import Handoff
from referrals.tests.factories import ParticipantFactory, ReferralFactory

pytestmark = pytest.mark.worker

TASK = "referrals.tasks.escalate_overdue"
EMAIL = "referrals.tasks.email_escalation_notice"


def test_beat_job_run_twice_escalates_once_and_emails_a_link(world, celery_worker, finished_tasks, smtp_server):
    world.program.case_management_agency = world.provider
    world.program.save(update_fields=["case_management_agency"])
    participant = ParticipantFactory(
        program=world.program, first_name="Tamsin", last_name="Ollerenshaw", created_by=world.officer
    )
    referral = ReferralFactory(
        program=world.program,
        participant=participant,
        officer=world.officer,
        agency=world.police,
        provider=world.provider,
        handoff=Handoff.WARM,
        assigned_to=world.case_manager,
        created_at=timezone.now() - datetime.timedelta(minutes=45),
    )

    for _ in range(2):
        with transaction.atomic():
            enqueue(TASK)
    assert wait_for(lambda: finished_tasks.count(TASK) >= 2), "the worker did not run the job twice"
    assert wait_for(lambda: finished_tasks.count(EMAIL) >= 1 and len(smtp_server.messages) >= 1)

    escalation = Escalation.objects.get()
    assert escalation.subject_id == referral.pk
    assert EscalationNotice.objects.get().emailed_at is not None
    (envelope,) = smtp_server.messages
    assert envelope.rcpt_tos == [world.case_manager.email]
    body = message_from_bytes(envelope.content).get_payload(decode=True).decode()
    assert "/referrals/escalations/" in body
    assert "Tamsin" not in body and referral.reference not in body
