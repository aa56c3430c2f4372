"""Co-responder encounters in the demo program: 18 months of calls answered by officer and clinician pairs.

Four patrol units run a pair (District 1, the persona officer's, is the busiest; the sheriff's North
Patrol the quietest, so its monthly figures show suppression). Each call has a call type and what
happened; about one call in six ended in a referral, and those encounters link to real demo referrals
the same officer made minutes after the call (referrals are seeded first, by demo/referrals.py).

Bulk-created in one transaction (a few thousand rows, no per-row audit, like the demo's referrals);
safe to run twice: nothing is added once the program has encounters.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from deflection.models import Membership, Pathway, Program, ProgramType, Role, Unit
from referrals.coresponder.models import CallType, Encounter
from referrals.coresponder.selectors import clinicians_for
from referrals.models import Referral
from referrals.overdose.models import OutreachCase

DAYS = 548  # about 18 months, as the rest of the demo
# (agency, unit, calls per day at the start, calls per day now): the program grows.
UNITS = [
    ("Riverside Police Department", "District 1", 0.8, 1.4),
    ("Riverside Police Department", "District 2", 0.5, 0.8),
    ("Millbrook Police Department", "Day Patrol", 0.4, 0.6),
    ("Harlan County Sheriff's Office", "North Patrol", 0.15, 0.3),
]
CALL_TYPES = [
    (CallType.MENTAL_HEALTH, 30),
    (CallType.WELFARE_CHECK, 18),
    (CallType.SUBSTANCE_USE, 16),
    (CallType.SUICIDE_RISK, 9),
    (CallType.DISTURBANCE, 10),
    (CallType.HOMELESSNESS, 9),
    (CallType.OVERDOSE, 3),
    (CallType.OTHER, 5),
]
REFERRED_SHARE = 0.16
NAMESPACE = uuid.UUID("6b1f7f0e-3c52-4b8e-9d1a-c0be5e0a1313")


def _pick(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _outcome(rng: random.Random, call_type: str) -> dict[str, bool]:
    """What happened: most calls end on scene; a crisis call is more often transported (never both)."""
    transported = rng.random() < (0.3 if call_type in (CallType.SUICIDE_RISK, CallType.OVERDOSE) else 0.14)
    return {
        "transported": transported,
        "resolved_on_scene": not transported and rng.random() < 0.82,
        "arrest_avoided": call_type in (CallType.DISTURBANCE, CallType.SUBSTANCE_USE, CallType.HOMELESSNESS)
        and rng.random() < 0.55
        or rng.random() < 0.08,
        "er_visit_avoided": not transported
        and call_type in (CallType.MENTAL_HEALTH, CallType.SUICIDE_RISK, CallType.OVERDOSE, CallType.WELFARE_CHECK)
        and rng.random() < 0.45,
    }


def _pairs(program: Program, rng: random.Random) -> list[tuple[Unit, list[Membership], float, float]]:
    """Each co-responder unit with its officers (the persona's unit has the persona first)."""
    pairs = []
    for agency_name, unit_name, rate_then, rate_now in UNITS:
        unit = Unit.objects.select_related("agency").get(agency__name=agency_name, name=unit_name)
        officers = list(
            Membership.objects.filter(unit=unit, role__in=[Role.OFFICER, Role.SUPERVISOR], is_active=True)
            .select_related("user")
            .order_by("role", "user__username")
        )
        persona = [m for m in officers if m.user.username == "officer"]
        others = [m for m in officers if m not in persona]
        rng.shuffle(others)
        if persona or others:
            pairs.append((unit, (persona + others)[:3], rate_then, rate_now))
    return pairs


@transaction.atomic
def seed(program: Program) -> str:
    if not program.runs(ProgramType.CO_RESPONDER):
        program.program_types = [*program.program_types, ProgramType.CO_RESPONDER]
        program.save(update_fields=["program_types"])
    if Encounter.objects.filter(program=program).exists():
        return ""
    rng = random.Random(1345)
    now = timezone.now()
    start = now - timedelta(days=DAYS)
    clinicians = list(clinicians_for(program))
    in_outreach = OutreachCase.objects.filter(referral__isnull=False).values("referral_id")
    encounters: list[Encounter] = []
    for unit, officers, rate_then, rate_now in _pairs(program, rng):
        partner = {m.user_id: rng.choice(clinicians) if clinicians else None for m in officers}
        calls = []
        for day in range(DAYS):
            rate = rate_then + (rate_now - rate_then) * day / DAYS
            for _ in range(int(rate) + (rng.random() < rate % 1)):
                calls.append(start + timedelta(days=day, minutes=rng.randint(0, 1439)))
        # The calls that ended in a referral are the officers' own referrals (made minutes after the call).
        referrals = list(
            Referral.objects.filter(
                program=program,
                officer_id__in=[m.user_id for m in officers],
                created_at__gte=start,
                coresponder_encounter__isnull=True,
            )
            .exclude(pathway=Pathway.NALOXONE_PLUS)
            .exclude(pk__in=in_outreach)
            .order_by("created_at")
            .values("pk", "officer_id", "form_opened_at")
        )
        referred = rng.sample(referrals, min(len(referrals), int(len(calls) * REFERRED_SHARE)))
        by_officer = {m.user_id: m for m in officers}
        rows = [(when, rng.choice(officers), None) for when in calls if when < now - timedelta(minutes=30)]
        rows += [
            (r["form_opened_at"] - timedelta(minutes=rng.randint(5, 40)), by_officer[r["officer_id"]], r["pk"]) for r in referred
        ]
        for when, membership, referral_id in rows:
            call_type = _pick(rng, CALL_TYPES)
            outcome = _outcome(rng, call_type)
            if referral_id:
                outcome["resolved_on_scene"] = not outcome["transported"]
            encounters.append(
                Encounter(
                    program=program,
                    logged_by_id=membership.user_id,
                    agency_id=membership.agency_id,
                    unit=unit,
                    # A pair usually rides together; now and then a different clinician covers the shift.
                    clinician=partner[membership.user_id] if rng.random() < 0.85 or not clinicians else rng.choice(clinicians),
                    call_type=call_type,
                    occurred_at=when,
                    referral_id=referral_id,
                    idempotency_key=uuid.uuid5(NAMESPACE, f"{unit.pk}:{when.isoformat()}:{referral_id}"),
                    created_at=min(now, when + timedelta(minutes=rng.randint(2, 25))),
                    **outcome,
                )
            )
    Encounter.objects.bulk_create(encounters, batch_size=1000)
    linked = sum(1 for e in encounters if e.referral_id)
    return f"{len(encounters)} co-responder encounters, {linked} linked to referrals"
