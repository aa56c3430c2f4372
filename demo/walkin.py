"""Walk-in (Angel) intake in the demo program: 18 months of people walking into a station and asking for help.

About 300 walk-ins at the Riverside and Millbrook front desks, each paged to the on-call volunteers
("angels": the peer recovery coaches of Second Chance), most placed the same day (each placement a
self-referral of the same participant, its history carried on), some who left before placement, and
two waiting right now. Bulk-created in a few queries; the referral's status steps use the model's own
rule (Referral.move_to). Safe to run twice: nothing is added once the program has walk-ins.
"""

from __future__ import annotations

import datetime
import random
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from deflection.models import Membership, Pathway, Program, ProgramType, Role, Unit, User
from referrals.assignment import provider_case_manager_ids
from referrals.matching import match_keys
from referrals.models import (
    CriterionKind,
    Handoff,
    Participant,
    ParticipantMatchKey,
    ProviderService,
    Referral,
    ServiceKind,
    Status,
    StatusChange,
)
from referrals.walkin.models import (
    DEFAULT_PROMISE,
    CloseReason,
    Need,
    WalkIn,
    WalkInNotice,
    WalkInSettings,
    WalkInStatus,
    WalkInVolunteer,
)

DESK_ROLES = [Role.DISPATCHER, Role.OFFICER, Role.SUPERVISOR]
DAYS = 548  # about 18 months
COUNT = 300
STATIONS = [
    ("Riverside Police Department", "District 1"),
    ("Riverside Police Department", "District 2"),
    ("Riverside Police Department", "District 3"),
    ("Millbrook Police Department", "Day Patrol"),
]
FIRST = ["Wesley", "Darlene", "Tyrone", "Crystal", "Dustin", "Renee", "Cody", "Tamara", "Brandon", "Misty", "Travis", "Lacey"]
LAST = ["Whitfield", "Osborne", "Pickett", "Maddox", "Hargrove", "Lindsey", "Vaughn", "Cobb", "Pruett", "Sizemore"]
NEEDS = [(Need.SUBSTANCE_USE, 45), (Need.DETOX, 25), (Need.MOUD, 15), (Need.MENTAL_HEALTH, 8), (Need.HOUSING, 4), (Need.OTHER, 3)]
# What happened to a walk-in: most placed the same day (Gloucester's promise), some left before placement.
FATES = [("placed", 72), (CloseReason.LEFT, 15), (CloseReason.NO_PLACE, 7), (CloseReason.DECLINED, 4), (CloseReason.OTHER, 2)]
# Which kind of service fits which ask.
KIND_FOR = {
    Need.DETOX: [ServiceKind.DETOX],
    Need.MOUD: [ServiceKind.MOUD],
    Need.MENTAL_HEALTH: [ServiceKind.MENTAL_HEALTH, ServiceKind.OUTPATIENT],
    Need.HOUSING: [ServiceKind.HOUSING, ServiceKind.RECOVERY_SUPPORT],
}
ENGAGED_KIND = {ServiceKind.HOUSING: ServiceKind.RECOVERY_SUPPORT}


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _volunteers(program: Program) -> list[User]:
    """The peer persona and a Second Chance colleague on call, the Harbor Light persona on the list but off call."""
    coordinator = User.objects.get(username="coordinator")
    colleague = (
        Membership.objects.filter(agency__name="Second Chance Recovery Coalition", role=Role.CASE_MANAGER)
        .exclude(user__username="peer")
        .order_by("user__username")
        .values_list("user", flat=True)
        .first()
    )
    on_call = [User.objects.get(username="peer"), *User.objects.filter(pk=colleague)]
    for user in on_call:
        WalkInVolunteer.objects.get_or_create(program=program, user=user, defaults={"on_call": True, "added_by": coordinator})
    WalkInVolunteer.objects.get_or_create(
        program=program, user=User.objects.get(username="casemanager"), defaults={"on_call": False, "added_by": coordinator}
    )
    return on_call


@transaction.atomic
def seed(program: Program) -> str:
    if not program.runs(ProgramType.WALK_IN):
        program.program_types = [*program.program_types, ProgramType.WALK_IN]
        program.save(update_fields=["program_types"])
    WalkInSettings.objects.get_or_create(program=program, defaults={"promise": DEFAULT_PROMISE})
    on_call = _volunteers(program)
    if WalkIn.objects.filter(program=program).exists():
        return ""
    rng = random.Random(1313_2)
    now = timezone.now()
    agencies = {a for a, _ in STATIONS}
    units = {(u.agency.name, u.name): u for u in Unit.objects.filter(agency__name__in=agencies).select_related("agency")}
    desk = {
        agency: list(
            Membership.objects.filter(agency__name=agency, role__in=DESK_ROLES, is_active=True)
            .select_related("user")
            .order_by("role", "pk")[:8]
        )
        for agency in agencies
    }
    # The dispatcher persona is the Riverside front desk on most days.
    persona = Membership.objects.get(user__username="dispatcher", agency__name="Riverside Police Department")
    services = list(ProviderService.objects.filter(agency_id__in=program.agency_ids(), is_active=True).order_by("pk"))
    answers = {str(c.pk): (c.required_answer if c.kind == CriterionKind.HARD else False) for c in program.criteria.all()}
    team: dict[int, list[int]] = {}
    turns: dict[int, int] = {}

    plans = []
    for n in range(COUNT):
        agency, unit_name = rng.choice(STATIONS)
        starter = persona if agency == persona.agency.name and rng.random() < 0.5 else rng.choice(desk[agency])
        arrived = now - timedelta(days=rng.random() ** 0.9 * DAYS, minutes=rng.randint(0, 1440))
        fate = _weighted(rng, FATES)
        if arrived > now - timedelta(hours=12):
            arrived -= timedelta(hours=12)  # the history's newest walk-ins are all finished; two wait below
        if n < 2:  # two people waiting at a front desk right now, one already with a volunteer
            arrived, fate = now - timedelta(minutes=12 + 25 * n), "open"
        plans.append((starter, units[(agency, unit_name)], arrived, fate, _weighted(rng, NEEDS)))

    participants, keys = [], []
    for starter, *_rest in plans:
        named = rng.random() < 0.75
        first, last = (rng.choice(FIRST), rng.choice(LAST)) if named else ("", "")
        dob = datetime.date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28)) if named else None
        participants.append(
            Participant(
                program=program,
                first_name=first,
                last_name=last,
                date_of_birth=dob,
                phone=f"(555) 7{rng.randint(10, 99)}-{rng.randint(1000, 9999)}" if named and rng.random() < 0.6 else "",
                is_pseudonymous=not named,
                created_by=starter.user,
            )
        )
    Participant.objects.bulk_create(participants)
    for participant in participants:
        if not participant.is_pseudonymous:
            keys.extend(
                ParticipantMatchKey(participant=participant, kind=kind, digest=digest)
                for kind, digest in match_keys(participant.first_name, participant.last_name, participant.date_of_birth)
            )
    ParticipantMatchKey.objects.bulk_create(keys, ignore_conflicts=True)

    walkins, referrals, notices = [], [], []
    for n, ((starter, unit, arrived, fate, need), participant) in enumerate(zip(plans, participants, strict=True)):
        angel = on_call[n % len(on_call)]
        walkin = WalkIn(
            program=program,
            participant=participant,
            started_by=starter.user,
            agency_id=starter.agency_id,
            unit=unit,
            arrived_at=arrived,
            need=need,
            idempotency_key=uuid.uuid4(),
            created_at=arrived + timedelta(minutes=rng.randint(1, 4)),
        )
        if fate == "open":
            if n == 1:
                walkin.status, walkin.volunteer, walkin.accepted_at = WalkInStatus.ACCEPTED, angel, arrived + timedelta(minutes=9)
        else:
            walkin.volunteer, walkin.accepted_at = angel, arrived + timedelta(minutes=rng.randint(4, 25))
            if fate == "placed":
                minutes = int(min(600, max(25, rng.lognormvariate(4.5, 0.55))))  # a median of about 90 minutes
                walkin.status, walkin.placed_at = WalkInStatus.PLACED, arrived + timedelta(minutes=minutes)
                kinds = KIND_FOR.get(need, [ServiceKind.DETOX, ServiceKind.MOUD, ServiceKind.RESIDENTIAL, ServiceKind.OUTPATIENT])
                fitting = [s for s in services if s.kind in kinds] or services
                walkin.placed_service = service = rng.choice(fitting)
                warm = service.accepts_warm_handoffs and rng.random() < 0.5
                if service.agency_id not in team:  # setdefault would run the query for every walk-in
                    team[service.agency_id] = provider_case_manager_ids(service.agency_id)
                ids = team[service.agency_id]
                turn = turns.get(service.agency_id, 0)
                turns[service.agency_id] = turn + 1
                walkin.referral = Referral(
                    program=program,
                    participant=participant,
                    officer=starter.user,
                    agency_id=starter.agency_id,
                    provider_id=service.agency_id,
                    service=service,
                    assigned_to_id=ids[turn % len(ids)] if ids else None,
                    pathway=Pathway.SELF_REFERRAL,
                    handoff=Handoff.WARM if warm else Handoff.TRANSPORT,
                    eligibility_answers=answers,
                    idempotency_key=uuid.uuid5(uuid.NAMESPACE_URL, f"deflection:demo-walkin:{n}"),
                    form_opened_at=walkin.placed_at - timedelta(seconds=rng.randint(60, 240)),
                    created_at=walkin.placed_at,
                    completion_seconds=rng.randint(60, 240),
                    status=Status.RECEIVED,
                    status_changed_at=walkin.placed_at,
                )
                referrals.append(walkin.referral)
            else:
                walkin.status, walkin.close_reason, walkin.closed_by = WalkInStatus.CLOSED, fate, angel
                walkin.closed_at = arrived + timedelta(minutes=rng.randint(15, 120))
        walkins.append(walkin)
    Referral.objects.bulk_create(referrals)
    WalkIn.objects.bulk_create(walkins)
    for walkin in walkins:
        for user in on_call:
            read = walkin.accepted_at if walkin.accepted_at else None
            notices.append(
                WalkInNotice(
                    walkin=walkin, recipient=user, created_at=walkin.created_at, read_at=read, emailed_at=walkin.created_at
                )
            )
    WalkInNotice.objects.bulk_create(notices)
    changes = _histories(walkins, now, rng)
    return f"{len(walkins)} walk-ins, {len(referrals)} placed, {changes} status changes"


def _histories(walkins: list[WalkIn], now, rng: random.Random) -> int:
    """Each placement's referral: received, then (the person is at the provider) contacted and mostly engaged."""
    changes, placed = [], []
    for walkin in walkins:
        referral = walkin.referral
        if referral is None:
            continue
        placed.append(referral)
        changes.append(StatusChange(referral=referral, status=Status.RECEIVED, at=referral.created_at, by=referral.officer))
        worker = User(pk=referral.assigned_to_id) if referral.assigned_to_id else referral.officer
        contacted = referral.created_at + timedelta(minutes=rng.randint(20, 180))
        if contacted > now:
            continue
        changes.append(referral.move_to(Status.CONTACTED, at=contacted, by=worker)[0])
        engaged = contacted + timedelta(hours=rng.randint(2, 30))
        if engaged < now and rng.random() < 0.8:
            kind = ENGAGED_KIND.get(walkin.placed_service.kind, walkin.placed_service.kind)
            changes.append(referral.move_to(Status.ENGAGED, at=engaged, by=worker, service_kind=kind)[0])
    StatusChange.objects.bulk_create(changes)
    Referral.objects.bulk_update(
        placed, ["status", "status_changed_at", "acknowledged_at", "first_contact_at", "engaged_at", "engaged_service_kind"]
    )
    return len(changes)
