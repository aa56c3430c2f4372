"""Every email task the app has, each set up with something to send (issue 15).

`SCENARIOS[name](get)` takes pytest's `request.getfixturevalue` and returns (task name, kwargs, recipients):
the task to run and the addresses that must each get its email exactly once. The fault suite kills
workers in the middle of each (test_worker_kill.py) and puts a mail server answering 421 in front of each
(test_smtp_retries.py, test_email_retries.py). A new email task gets a scenario here; the test in
test_email_retries.py fails until it has one.
"""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from deflection.audit import AuditContext
from deflection.models import Role
from deflection.tests.factories import UnitFactory
from feedback import services as feedback_services
from feedback.models import CaseManagerMessage
from feedback.tests.factories import SurveyFactory
from referrals.clocks import engine
from referrals.clocks.models import Escalation, EscalationLevel, EscalationNotice
from referrals.hub import services as hub_services
from referrals.hub.tests.conftest import IDENTITY, decide_acute, present
from referrals.models import BreakGlassGrant, OfficerNotice, Status, StatusChange
from referrals.overdose.clock import OUTREACH, OUTREACH_CLOCK
from referrals.overdose.models import NaloxoneStock
from referrals.overdose.tests.conftest import record
from referrals.tests.factories import ReferralFactory
from referrals.walkin.models import Need, WalkIn, WalkInNotice
from reports.models import Delivery, Newsletter, NewsletterSend, NewsletterStatus
from training import services as training_services
from training.tests.factories import AttendanceFactory, CourseFactory, SessionFactory


def officer_notice(get):
    world, referral, consent_for = get("world"), get("referral"), get("consent_for")
    consent_for(referral, "active", "referring officer")  # the email asks the consent gate when it is due
    notice = OfficerNotice.objects.create(officer=world.officer, referral=referral)
    return "referrals.tasks.email_officer_notice", {"notice_id": notice.pk}, [world.officer.email]


def break_glass(get):
    world, referral = get("world"), get("referral")
    grant = BreakGlassGrant.objects.create(
        user=world.case_manager,
        participant=referral.participant,
        program=world.program,
        reason="Crisis call, the usual case manager is away.",
        expires_at=timezone.now() + datetime.timedelta(hours=4),
    )
    return "referrals.tasks.email_break_glass_notice", {"grant_id": grant.pk}, [world.coordinator.email]


def escalations(get):
    # A first contact past its deadline, escalated to two people (the engine's notices, one email task each).
    world, referral = get("world"), get("referral")
    escalation = Escalation.objects.create(
        clock="first_contact",
        subject_id=referral.pk,
        level=EscalationLevel.COORDINATOR,
        program=world.program,
        provider=world.provider,
        due_at=timezone.now() - datetime.timedelta(hours=1),
    )
    notice = EscalationNotice.objects.create(escalation=escalation, recipient=world.coordinator)
    EscalationNotice.objects.create(escalation=escalation, recipient=world.case_manager)
    return "referrals.tasks.email_escalation_notice", {"notice_id": notice.pk}, [world.coordinator.email]


def hub_overdue_intervention(get):
    hub = get("hub")
    situation = decide_acute(hub, present(hub))
    hub_services.identity_share(situation=situation, **IDENTITY, audit=AuditContext(actor=hub.case_manager))
    situation.__class__.objects.filter(pk=situation.pk).update(overdue_flagged_at=timezone.now())
    # The lead agency's representative and the chair.
    return (
        "referrals.hub.tasks.email_overdue_intervention",
        {"situation_id": situation.pk},
        [
            hub.case_manager.email,
            hub.coordinator.email,
        ],
    )


def outreach_escalation(get):
    qworld = get("qworld")
    # Past the program's 24-hour clock with no attempt: the case-work clocks engine escalates it to the on-call
    # case manager, and its notice email is the engine's email task.
    case = record(qworld, hours_ago=25).outreach_case
    engine.escalations_run(clock=OUTREACH, program=qworld.program)
    notice = EscalationNotice.objects.get(escalation__clock=OUTREACH_CLOCK, escalation__subject_id=case.pk)
    return engine.EMAIL_TASK, {"notice_id": notice.pk}, [qworld.on_call.email]


def low_naloxone_stock(get):
    qworld = get("qworld")
    unit = UnitFactory(agency=qworld.police, name="Car 7")
    NaloxoneStock.objects.create(unit=unit, program=qworld.program, on_hand=1, low_alerted_at=timezone.now())
    return "referrals.overdose.tasks.email_low_stock", {"unit_id": unit.pk}, [qworld.coordinator.email]


def case_manager_message(get):
    world, referral, consent_for = get("world"), get("referral"), get("consent_for")
    consent = consent_for(referral, "active", "referring officer")
    message = CaseManagerMessage.objects.create(
        referral=referral, officer=world.officer, sender=world.case_manager, consent=consent, text="In treatment."
    )
    return "feedback.tasks.email_case_manager_message", {"message_id": message.pk}, [world.officer.email]


def survey_reminders(get):
    world = get("world")
    survey = SurveyFactory(program=world.program, audience_roles=[Role.OFFICER, Role.DISPATCHER])
    survey.audience_agencies.set([world.police])
    return "feedback.tasks.send_survey_reminders", {"survey_id": survey.pk}, [world.officer.email, world.dispatcher.email]


def weekly_digests(get):
    world, referral, consent_for = get("world"), get("referral"), get("consent_for")
    _week, start, _end = feedback_services.digest_week(world.program, timezone.now())
    deputy_referral = ReferralFactory(program=world.program, officer=world.deputy, agency=world.sheriff, provider=world.provider)
    for ref in (referral, deputy_referral):
        consent_for(ref, "active", "referring officer")
        StatusChange.objects.create(
            referral=ref, status=Status.ENGAGED, at=start + datetime.timedelta(days=2), by=world.case_manager
        )
    return "feedback.tasks.send_weekly_digests", {}, [world.officer.email, world.deputy.email]


def _overdue_training(world):
    course = CourseFactory(program=world.program, refresher_months=12)
    long_ago = timezone.now() - datetime.timedelta(days=800)
    for user in (world.officer, world.dispatcher):
        AttendanceFactory(session=SessionFactory(course=course, starts_at=long_ago), user=user)


def training_reminders(get):
    # Two people overdue for a refresher: the weekly job queues one email task per person (through the outbox).
    world = get("world")
    _overdue_training(world)
    return "training.tasks.send_training_reminders", {}, [world.officer.email, world.dispatcher.email]


def training_reminder(get):
    # One person's email task, as the weekly job queues it.
    world = get("world")
    _overdue_training(world)
    week = training_services.reminders_plan()
    return "training.tasks.send_training_reminder", {"user_id": world.officer.pk, "week": week.isoformat()}, [world.officer.email]


def audit_review_digests(get):
    world = get("world")
    return "deflection.tasks.send_audit_review_digests", {}, [world.coordinator.email]


def quarterly_newsletter(get):
    # A quarterly edition sent to two people (a link, no attachment): one delivery row each.
    world = get("world")
    edition = Newsletter.objects.create(
        program=world.program,
        kind="quarterly",
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 3, 31),
        status=NewsletterStatus.READY,
        is_current=True,
    )
    send = NewsletterSend.objects.create(
        newsletter=edition, message="Q1 is out.", idempotency_key=uuid.uuid4(), created_by=world.coordinator
    )
    recipients = [world.officer, world.deputy]
    Delivery.objects.bulk_create([Delivery(send=send, newsletter=edition, recipient=user) for user in recipients])
    return "reports.tasks.send_newsletter", {"send_id": send.pk}, [user.email for user in recipients]


def walkin_notice(get):
    # Someone walked in; the on-call volunteer is paged by a link-only email (one notice, one email task).
    world, referral = get("world"), get("referral")
    walkin = WalkIn.objects.create(
        program=world.program,
        participant=referral.participant,
        started_by=world.dispatcher,
        agency=world.police,
        arrived_at=timezone.now(),
        need=Need.SUBSTANCE_USE,
    )
    notice = WalkInNotice.objects.create(walkin=walkin, recipient=world.case_manager)
    return "referrals.walkin.tasks.email_walkin_notice", {"notice_id": notice.pk}, [world.case_manager.email]


SCENARIOS = {
    "officer notice": officer_notice,
    "break glass": break_glass,
    "escalations": escalations,
    "hub overdue intervention": hub_overdue_intervention,
    "outreach escalation": outreach_escalation,
    "low naloxone stock": low_naloxone_stock,
    "case manager message": case_manager_message,
    "survey reminders": survey_reminders,
    "weekly digests": weekly_digests,
    "training reminders": training_reminders,
    "training reminder": training_reminder,
    "audit review digests": audit_review_digests,
    "quarterly newsletter": quarterly_newsletter,
    "walk-in notice": walkin_notice,
}

# Scenarios whose task only queues other tasks (through the outbox): they need a real worker to send.
FAN_OUT = {"training reminders"}
