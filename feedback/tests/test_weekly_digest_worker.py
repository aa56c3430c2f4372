"""The weekly digest job on a real Celery worker against real Redis: run twice, one email per officer per week."""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from deflection.outbox import enqueue
from deflection.tests.workers import wait_for
from feedback import services
from feedback.models import DeliveryStatus, WeeklyDigest
from referrals.models import Status, StatusChange
from referrals.tests.factories import ReferralFactory

pytestmark = pytest.mark.worker

TASK = "feedback.tasks.send_weekly_digests"


def test_digest_job_run_twice_sends_one_email_per_officer_with_no_names(
    world, referral, consent_for, celery_worker, finished_tasks
):
    _week_start, start, _end = services.digest_week(world.program, timezone.now())
    in_last_week = start + datetime.timedelta(days=2, hours=10)
    deputy_referral = ReferralFactory(
        program=world.program,
        officer=world.deputy,
        agency=world.sheriff,
        provider=world.provider,
        participant__first_name="Jordan",
        participant__last_name="Ellis",
    )
    quiet_referral = ReferralFactory(
        program=world.program, officer=world.other_officer, agency=world.police, provider=world.provider
    )  # consented, but nothing happened last week
    for ref in (referral, deputy_referral, quiet_referral):
        consent_for(ref, "active", "referring officer")
    for ref in (referral, deputy_referral):
        StatusChange.objects.create(referral=ref, status=Status.ENGAGED, at=in_last_week, by=world.case_manager)

    for _ in range(2):
        with transaction.atomic():
            enqueue(TASK)
    assert wait_for(lambda: finished_tasks.count(TASK) >= 2), "the worker did not run the job twice"

    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.officer.email, world.deputy.email])
    assert WeeklyDigest.objects.filter(status=DeliveryStatus.SENT).count() == 2
    assert not WeeklyDigest.objects.filter(officer=world.other_officer).exists()
    for message in mail.outbox:
        assert "/feedback/feed/" in message.body and "1 update on a person you referred" in message.body
        for person in (world.officer, world.deputy, referral.participant, deputy_referral.participant):
            assert person.first_name not in message.body and person.last_name not in message.body
        assert "Engaged" not in message.body
