"""Post-overdose outreach in the demo program: 18 months of a Quick Response Team, built through its services.

Overdoses entered in the field and imported from EMS, outreach cases worked by phone, text and visit
(engaged, declined, not reached, a few still open and one past its clock), family follow-ups after
fatal overdoses, and the naloxone leave-behind ledger of three units; the open cases past their clock
are escalated at the end, as beat would have (referrals.clocks). Every write goes through
referrals.overdose's services at the moment it happened (time-machine), so the demo obeys the same
rules as the pages. Safe to run twice: nothing is added once the program has overdoses.
"""

from __future__ import annotations

import random
from datetime import timedelta

import time_machine
from django.db import transaction
from django.utils import timezone

from deflection.models import Program, ProgramType, Role, Unit, User
from referrals import services as referral_services
from referrals.clocks.engine import escalations_run
from referrals.clocks.models import Escalation, EscalationNotice
from referrals.models import CriterionKind, ServiceKind, Status
from referrals.overdose import naloxone, services
from referrals.overdose.clock import OUTREACH
from referrals.overdose.models import CaseStatus, NaloxoneStock, OutreachSettings, Overdose, OverdoseSource
from referrals.overdose.services import AttemptData, OverdoseData

MONTHS = 18
PER_MONTH = (10, 16)
PLACES = [
    "Gas station restroom, Route 9",
    "Riverside Park, east pavilion",
    "Motel 6, room on the ground floor",
    "Apartment, 400 block of Elm St",
    "Bus shelter, Main and 3rd",
    "Parking lot behind the Dollar General",
    "Private residence, Millbrook",
    "Library restroom, Riverside branch",
]
FIRST = ["Casey", "Jordan", "Taylor", "Morgan", "Riley", "Jamie", "Avery", "Drew", "Quinn", "Shawn", "Kelly", "Robin"]
LAST = ["Mercer", "Doyle", "Hatcher", "Pruitt", "Lyle", "Crane", "Boone", "Tolliver", "Sykes", "Rowe", "Gentry", "Ash"]
KIT_UNITS = [
    ("Riverside Police Department", "District 1"),
    ("Harlan County Fire & EMS", "Medic 1"),
    ("Harlan County Fire & EMS", "Medic 2"),
]


def _checklist_answers(program: Program) -> dict[int, bool]:
    """Answers that pass the program's checklist: what a case manager records for an eligible survivor."""
    return {c.pk: (c.required_answer if c.kind == CriterionKind.HARD else False) for c in program.criteria.filter(is_active=True)}


def seed(program: Program) -> str:
    if Overdose.objects.filter(program=program).exists():
        return ""
    if ProgramType.QUICK_RESPONSE_TEAM not in program.program_types:
        program.program_types = [*program.program_types, ProgramType.QUICK_RESPONSE_TEAM]
        program.save(update_fields=["program_types"])
    case_manager = User.objects.get(username="casemanager")
    coordinator = User.objects.get(username="coordinator")
    OutreachSettings.objects.update_or_create(
        program=program,
        defaults={"clock_hours": 48, "max_attempts": 3, "on_call_case_manager": case_manager, "low_stock_threshold": 6},
    )
    responders = list(
        User.objects.filter(
            memberships__role=Role.OFFICER,
            memberships__is_active=True,
            memberships__agency__name__in=[
                "Riverside Police Department",
                "Harlan County Fire & EMS",
                "Millbrook Police Department",
            ],
        ).order_by("username")[:12]
    )
    officer = User.objects.get(username="officer")
    responders.append(officer)
    units = [Unit.objects.get(agency__name=a, name=u) for a, u in KIT_UNITS]
    answers = _checklist_answers(program)
    rng = random.Random(1313)
    now = timezone.now()
    start = now - timedelta(days=30 * MONTHS)
    moments = sorted(
        start + timedelta(days=30 * month + rng.uniform(0, 30), hours=rng.uniform(0, 23))
        for month in range(MONTHS)
        for _ in range(rng.randint(*PER_MONTH))
    )
    counts = {"overdoses": 0, "engaged": 0}
    with transaction.atomic():
        for unit in units:
            with time_machine.travel(start - timedelta(days=2), tick=False):
                naloxone.kits_restock(program=program, unit=unit, quantity=40, by=coordinator)
        for n, occurred in enumerate(moments):
            if occurred > now - timedelta(hours=1):
                continue
            fatal = rng.random() < 0.09
            named = rng.random() < 0.8
            data = OverdoseData(
                occurred_at=occurred,
                place=rng.choice(PLACES),
                fatal=fatal,
                naloxone_doses=0 if rng.random() < 0.12 else rng.choice([1, 1, 2, 2, 2, 3, 4]),
                first_name=rng.choice(FIRST) if named else "",
                last_name=rng.choice(LAST) if named else "",
                phone=f"(555) 3{rng.randint(10, 99)}-{rng.randint(1000, 9999)}" if named and rng.random() < 0.85 else "",
                external_ref=f"EMS-{20250000 + n}" if n % 4 == 0 else "",
            )
            recorder = rng.choice(responders)
            with time_machine.travel(occurred + timedelta(minutes=rng.randint(15, 90)), tick=False):
                overdose = services.overdose_record(
                    program=program,
                    data=data,
                    recorded_by=coordinator if data.external_ref else recorder,
                    source=OverdoseSource.IMPORT if data.external_ref else OverdoseSource.FIELD,
                    form_opened_at=None if data.external_ref else timezone.now() - timedelta(seconds=rng.randint(25, 70)),
                )
            counts["overdoses"] += 1
            if fatal:
                _family(overdose, case_manager, now, rng)
            elif hasattr(overdose, "outreach_case"):
                counts["engaged"] += _outreach(overdose, recorder, case_manager, answers, units, now, rng)
        # What beat would have escalated by now: the open cases past their clock (referrals.clocks' engine).
        escalations_run(clock=OUTREACH, program=program, now=now)
        # The team read (and was emailed) the old ones long ago: only the last days' are new.
        EscalationNotice.objects.filter(
            escalation__clock=OUTREACH.name, escalation__program=program, escalation__created_at__lt=now - timedelta(days=3)
        ).update(read_at=now - timedelta(days=2), emailed_at=now - timedelta(days=2))
    escalated = Escalation.objects.filter(program=program, clock=OUTREACH.name).count()
    return f"{counts['overdoses']} overdoses, {counts['engaged']} survivors engaged, {escalated} outreach escalations"


def _family(overdose, case_manager, now, rng) -> None:
    task = overdose.family_follow_up
    offered = task.due_from + timedelta(days=rng.randint(0, 13))
    if offered < now:
        with time_machine.travel(offered, tick=False):
            services.family_follow_up_done(task=task, by=case_manager, note="Offered the family grief support group details.")


def _outreach(overdose, officer, case_manager, answers, units, now, rng) -> int:
    """Work one case as a team would: phone or text first, then a visit; returns 1 if the survivor engaged.

    About half the survivors are reached (reported reach: 27% to 53.5%); a fifth engage.
    """
    case = overdose.outreach_case
    # Most first attempts within the clock; a few late (these escalated), the newest still waiting.
    delay = timedelta(hours=rng.choice([3, 6, 10, 18, 26, 40, 60]))
    when = overdose.occurred_at + delay
    fate = rng.random()
    plan: list[tuple[str, str, str]]
    if fate < 0.22:
        plan = (
            [("phone", "nobody", "no_answer"), ("visit", "survivor", "engaged")]
            if rng.random() < 0.4
            else [("phone", "survivor", "engaged")]
        )
    elif fate < 0.32:
        plan = [("text", "survivor", "declined")]
    elif fate < 0.85:
        plan = [("phone", "family", "message"), ("text", "nobody", "no_answer"), ("visit", "nobody", "no_answer")]
    else:
        plan = [("phone", "survivor", "try_again")]
    if when > case.due_at:
        # A late first attempt: beat escalated the case when its clock ran out (and again to the
        # coordinators if it was still waiting), and the attempt then marked the escalation met.
        for moment in (case.due_at + timedelta(minutes=5), when - timedelta(minutes=1)):
            if moment < now:
                escalations_run(clock=OUTREACH, program=case.program, now=moment)
    engaged = 0
    for channel, reached, result in plan:
        if when > now:
            break  # the newest cases are still open, some past their clock
        with time_machine.travel(when, tick=False):
            if result == "engaged" and channel != "visit" and not case.participant.phone:
                channel = "visit"
            services.outreach_attempt_record(
                case=case,
                by=officer if result == "engaged" else case_manager,
                data=AttemptData(channel=channel, reached=reached, result=result, eligibility_answers=answers),
            )
            if reached in ("survivor", "family") and rng.random() < 0.7:
                unit = rng.choice(units)
                stock = NaloxoneStock.objects.get(unit=unit).on_hand
                # Units restock when they run low, except in the last month: a low unit shows the alert.
                if stock < 6 and when < now - timedelta(days=30):
                    naloxone.kits_restock(program=case.program, unit=unit, quantity=30, by=case_manager)
                    stock += 30
                if stock:
                    naloxone.kits_hand_out(
                        program=case.program, unit=unit, quantity=1, recipient=reached, by=case_manager, case=case
                    )
        when += timedelta(hours=rng.randint(20, 50))
    case.refresh_from_db()
    if case.status == CaseStatus.ENGAGED:
        engaged = 1
        _treatment(case, case_manager, now, rng)
    return engaged


def _treatment(case, case_manager, now, rng) -> None:
    """About two in three engaged survivors start treatment within days: the 'linked to treatment' figure."""
    if rng.random() > 0.66:
        return
    referral = case.referral
    for status, after in ((Status.CONTACTED, 1), (Status.ENGAGED, rng.randint(2, 9))):
        moment = case.closed_at + timedelta(days=after)
        if moment > now:
            return
        with time_machine.travel(moment, tick=False):
            referral_services.referral_set_status(
                referral=referral,
                by=case_manager,
                status=status,
                service_kind=rng.choice([ServiceKind.MOUD, ServiceKind.DETOX]) if status == Status.ENGAGED else "",
            )
        referral.refresh_from_db()
