"""Clocks that escalate (issue 12): each clock run twice makes one escalation per level; on call first,
then the coordinators; met clocks resolve; in-app and link-only email."""

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from deflection.models import AssignmentMethod, AuditEvent, Role
from deflection.tests.factories import MembershipFactory, UserFactory
from referrals.clocks import engine
from referrals.clocks.models import Escalation, EscalationLevel, EscalationNotice, OnCallShift
from referrals.clocks.referral_clocks import ENGAGEMENT, FIRST_CONTACT, WARM_ACK
from referrals.clocks.registry import CLOCKS
from referrals.models import Handoff, Status
from referrals.overdose.clock import OUTREACH
from referrals.tests.factories import ParticipantFactory, ReferralFactory

H = datetime.timedelta(hours=1)


@pytest.fixture
def cworld(world):
    """The provider has a second case manager, on call now; the world's case manager owns the referrals."""
    world.program.case_management_agency = world.provider
    world.program.assignment = AssignmentMethod.ON_CALL
    world.program.save(update_fields=["case_management_agency", "assignment"])
    world.on_call = UserFactory(username="oncall", first_name="Ottoline", last_name="Nightjar")
    MembershipFactory(user=world.on_call, agency=world.provider, role=Role.CASE_MANAGER, badge_number="")
    now = timezone.now()
    OnCallShift.objects.create(
        agency=world.provider,
        case_manager=world.on_call,
        starts_at=now - 10 * H,
        ends_at=now + 10 * H,
        created_by=world.coordinator,
    )
    return world


def _referral(world, *, age: datetime.timedelta, **fields):
    participant = ParticipantFactory(
        program=world.program, first_name="Tamsin", last_name="Ollerenshaw", created_by=world.officer
    )
    return ReferralFactory(
        program=world.program,
        participant=participant,
        officer=world.officer,
        agency=world.police,
        provider=world.provider,
        assigned_to=world.case_manager,
        created_at=timezone.now() - age,
        **fields,
    )


# For each clock: a referral just past it (and what the coordinator threshold needs on top).
OVERDUE = {
    WARM_ACK.name: dict(age=datetime.timedelta(minutes=40), handoff=Handoff.WARM),
    FIRST_CONTACT.name: dict(age=30 * H, acknowledged_at=timezone.now()),
    ENGAGEMENT.name: dict(
        age=datetime.timedelta(days=31),
        status=Status.CONTACTED,
        acknowledged_at=timezone.now(),
        first_contact_at=timezone.now(),
    ),
}


# The referral clocks; the outreach clock's items are outreach cases (referrals/overdose/tests/test_clock.py).
REFERRAL_CLOCKS = [clock for clock in CLOCKS if clock.name in OVERDUE]


def test_every_registered_clock_is_covered_here():
    assert {c.name for c in CLOCKS} == set(OVERDUE) | {OUTREACH.name}


@pytest.mark.parametrize("clock", REFERRAL_CLOCKS, ids=lambda c: c.name)
def test_each_clock_run_twice_escalates_once_to_the_on_call_case_manager(cworld, clock, django_capture_on_commit_callbacks):
    referral = _referral(cworld, **OVERDUE[clock.name])
    on_time = _referral(cworld, age=datetime.timedelta(minutes=5), handoff=Handoff.WARM)

    with django_capture_on_commit_callbacks(execute=False):
        made = [engine.escalations_run(clock=clock, program=cworld.program) for _ in range(2)]

    assert made == [1, 0]
    escalation = Escalation.objects.get(clock=clock.name)
    assert (escalation.subject_id, escalation.level, escalation.provider_id) == (
        referral.pk,
        EscalationLevel.ON_CALL,
        cworld.provider.pk,
    )
    assert list(escalation.notices.values_list("recipient_id", flat=True)) == [cworld.on_call.pk]
    assert not Escalation.objects.filter(subject_id=on_time.pk).exists()
    assert AuditEvent.objects.filter(action="escalation.create").count() == 1


def test_the_unique_constraint_refuses_a_second_escalation_at_the_same_level(cworld):
    referral = _referral(cworld, **OVERDUE[WARM_ACK.name])
    fields = dict(clock=WARM_ACK.name, subject_id=referral.pk, level=1, program=cworld.program, due_at=timezone.now())
    Escalation.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(**fields)


def test_still_overdue_later_it_goes_to_the_coordinators_once(cworld):
    referral = _referral(cworld, **OVERDUE[FIRST_CONTACT.name])  # 24 h target, 6 h late
    engine.escalations_run(clock=FIRST_CONTACT, program=cworld.program)
    later = timezone.now() + 20 * H  # 26 h late: past one more target period
    assert engine.escalations_run(clock=FIRST_CONTACT, program=cworld.program, now=later) == 1
    assert engine.escalations_run(clock=FIRST_CONTACT, program=cworld.program, now=later + H) == 0
    second = Escalation.objects.get(subject_id=referral.pk, level=EscalationLevel.COORDINATOR)
    assert list(second.notices.values_list("recipient_id", flat=True)) == [cworld.coordinator.pk]


def test_nobody_on_call_goes_to_the_assignee(cworld):
    OnCallShift.objects.all().delete()
    _referral(cworld, **OVERDUE[WARM_ACK.name])
    engine.escalations_run(clock=WARM_ACK, program=cworld.program)
    assert list(EscalationNotice.objects.values_list("recipient_id", flat=True)) == [cworld.case_manager.pk]


def test_a_program_sets_its_own_target(cworld):
    cworld.program.warm_handoff_ack_target_minutes = 60
    cworld.program.save(update_fields=["warm_handoff_ack_target_minutes"])
    _referral(cworld, **OVERDUE[WARM_ACK.name])  # 40 minutes old: within this program's hour
    assert engine.escalations_run(clock=WARM_ACK, program=cworld.program) == 0


def test_a_clock_met_late_resolves_its_escalation(cworld):
    referral = _referral(cworld, **OVERDUE[WARM_ACK.name])
    engine.escalations_run(clock=WARM_ACK, program=cworld.program)
    referral.acknowledged_at = timezone.now()
    referral.save(update_fields=["acknowledged_at"])
    engine.escalations_run(clock=WARM_ACK, program=cworld.program)
    assert Escalation.objects.get().resolved_at is not None


def test_old_backlog_is_not_escalated(cworld):
    _referral(cworld, age=datetime.timedelta(days=60), acknowledged_at=timezone.now())  # first contact ran out long ago
    assert engine.escalations_run(clock=FIRST_CONTACT, program=cworld.program) == 0


def test_escalations_page_shows_mine_and_marks_read(cworld, client):
    referral = _referral(cworld, **OVERDUE[WARM_ACK.name])
    later = timezone.now() + H
    engine.escalations_run(clock=WARM_ACK, program=cworld.program, now=later)
    client.force_login(cworld.on_call)
    page = client.get(reverse("referrals:escalations"))
    assert page.status_code == 200
    html = page.content.decode()
    assert referral.reference in html and reverse("referrals:detail", args=[referral.pk]) in html
    assert "Tamsin" not in html
    assert not EscalationNotice.objects.filter(recipient=cworld.on_call, read_at__isnull=True).exists()
    # The coordinator learns that it is late, without a link into the provider's case.
    client.force_login(cworld.coordinator)
    html = client.get(reverse("referrals:escalations")).content.decode()
    assert referral.reference in html and reverse("referrals:detail", args=[referral.pk]) not in html


def test_escalation_email_is_a_link_only_and_sent_once(cworld):
    _referral(cworld, **OVERDUE[WARM_ACK.name])
    engine.escalations_run(clock=WARM_ACK, program=cworld.program)
    notice = EscalationNotice.objects.get()
    assert engine.escalation_notice_email(notice_id=notice.pk) is True
    assert engine.escalation_notice_email(notice_id=notice.pk) is False
    (message,) = mail.outbox
    assert message.to == [cworld.on_call.email]
    assert reverse("referrals:escalations") in message.body
    assert "Tamsin" not in message.body and "R-" not in message.body and "Harbor" not in message.body
