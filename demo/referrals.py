"""Demo activity for referrals: 18 months of a program (called by `manage.py seed_demo`).

Deterministic (seeded random) and bulk-loaded. Safe to run twice: the
eligibility checklist and the directory are found by name, and referrals are
generated only when the program has none.

Longer than 500 lines because it is one story (18 months of one program's referrals, consents,
statuses and duplicates) whose parts depend on each other; it is demo data, not runtime code.
"""

from __future__ import annotations

import datetime
import random
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from deflection.models import Agency, AgencyKind, Membership, Pathway, Program, Role, User
from referrals.assignment import provider_case_manager_ids
from referrals.clocks.engine import escalations_run
from referrals.clocks.models import OnCallShift
from referrals.clocks.registry import CLOCKS
from referrals.matching import match_keys
from referrals.models import (
    CapacityState,
    Circumstance,
    Consent,
    CriterionKind,
    DisclosureLevel,
    EligibilityCriterion,
    FollowUpTask,
    Handoff,
    Outcome,
    OutcomeKind,
    Participant,
    ParticipantMatchKey,
    ProviderService,
    Referral,
    ServiceKind,
    Status,
    StatusChange,
)

DAYS = 548  # about 18 months
REFERRAL_COUNT = 2600

CRITERIA = [
    (
        "Is the person 18 or older?",
        CriterionKind.HARD,
        True,
        "This program serves adults. Call Harlan County Youth Services at (555) 400-2200; they take youth referrals "
        "around the clock, and no arrest is needed for the juvenile protocol.",
    ),
    (
        "Is the incident free of violence and weapons?",
        CriterionKind.HARD,
        True,
        "Handle the incident under normal procedures. You can still hand the person a program card: they can "
        "self-refer at any time (self-referral pathway), and the case manager will follow up.",
    ),
    ("Does the person have an active warrant?", CriterionKind.INCLUSIVE, False, ""),
    ("Is the person on probation?", CriterionKind.INCLUSIVE, False, ""),
    ("Is the person on parole?", CriterionKind.INCLUSIVE, False, ""),
]

SERVICES = [
    (
        "Harbor Light Treatment Center",
        ServiceKind.DETOX,
        "Harbor Light Withdrawal Management",
        "24/7",
        "1200 River Rd, Riverside",
        "(555) 622-0111",
        "Adults 18+",
        True,
    ),
    (
        "Harbor Light Treatment Center",
        ServiceKind.MOUD,
        "Harbor Light MOUD Clinic",
        "Mon–Sat 7am–7pm",
        "1200 River Rd, Riverside",
        "(555) 622-0112",
        "Adults 18+ with opioid use disorder",
        True,
    ),
    (
        "Harbor Light Treatment Center",
        ServiceKind.RESIDENTIAL,
        "Harbor Light Residential (men)",
        "Intake Mon–Fri 8am–4pm",
        "44 Mill St, Millbrook",
        "(555) 622-0113",
        "Men 18+",
        False,
    ),
    (
        "Harbor Light Treatment Center",
        ServiceKind.RESIDENTIAL,
        "Harbor Light Residential (women and children)",
        "Intake Mon–Fri 8am–4pm",
        "46 Mill St, Millbrook",
        "(555) 622-0114",
        "Women 18+, with children under 12",
        False,
    ),
    (
        "Harbor Light Treatment Center",
        ServiceKind.OUTPATIENT,
        "Harbor Light Intensive Outpatient",
        "Mon–Fri 9am–8pm",
        "1200 River Rd, Riverside",
        "(555) 622-0115",
        "Adults 18+",
        False,
    ),
    (
        "Harbor Light Treatment Center",
        ServiceKind.MENTAL_HEALTH,
        "Harbor Light Crisis Stabilization",
        "24/7",
        "1200 River Rd, Riverside",
        "(555) 622-0116",
        "Adults 18+ in crisis",
        True,
    ),
    (
        "Second Chance Recovery Coalition",
        ServiceKind.RECOVERY_SUPPORT,
        "Peer Recovery Coaching",
        "Daily 8am–10pm",
        "310 Main St, Riverside",
        "(555) 622-4546",
        "Anyone in or seeking recovery",
        True,
    ),
    (
        "Second Chance Recovery Coalition",
        ServiceKind.HOUSING,
        "Recovery Housing Navigation",
        "Mon–Fri 9am–5pm",
        "310 Main St, Riverside",
        "(555) 622-4547",
        "Adults in recovery needing housing",
        False,
    ),
]

FIRST = [
    "James",
    "Michael",
    "Robert",
    "John",
    "David",
    "William",
    "Richard",
    "Joseph",
    "Thomas",
    "Christopher",
    "Mary",
    "Patricia",
    "Jennifer",
    "Linda",
    "Elizabeth",
    "Barbara",
    "Susan",
    "Jessica",
    "Sarah",
    "Karen",
    "Daniel",
    "Matthew",
    "Anthony",
    "Mark",
    "Donald",
    "Steven",
    "Andrew",
    "Joshua",
    "Kevin",
    "Brian",
    "Ashley",
    "Amanda",
    "Melissa",
    "Stephanie",
    "Rebecca",
    "Laura",
    "Crystal",
    "Amber",
    "Tiffany",
    "Heather",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
]
DESCRIPTIONS = [
    "Man in his 40s, grey hoodie, often near the Route 9 underpass",
    "Woman in her 30s, red backpack, sleeps near the bus depot",
    "Man in his 20s, tattoo on left hand, seen at Riverside Park",
    "Older man with a cane, usually at the Main St laundromat",
]
PATHWAY_WEIGHTS = [
    (Pathway.OFFICER_REFERRAL, 38),
    (Pathway.NALOXONE_PLUS, 18),
    (Pathway.OFFICER_INTERVENTION, 20),
    (Pathway.SELF_REFERRAL, 10),
    (Pathway.ACTIVE_OUTREACH, 8),
    (Pathway.COMMUNITY_RESPONSE, 6),
]
HANDOFF_WEIGHTS = [(Handoff.WARM, 30), (Handoff.TRANSPORT, 15), (Handoff.FOLLOW_UP, 45), (Handoff.INFO_ONLY, 10)]


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


@transaction.atomic
def seed(program: Program) -> str:
    provider = Agency.objects.get(name="Harbor Light Treatment Center")
    if program.case_management_agency_id != provider.pk:
        program.case_management_agency = provider
        program.save(update_fields=["case_management_agency"])
    for position, (question, kind, required, guidance) in enumerate(CRITERIA):
        EligibilityCriterion.objects.get_or_create(
            program=program,
            question=question,
            defaults={"kind": kind, "required_answer": required, "failure_guidance": guidance, "position": position},
        )
    rng = random.Random(548)
    now = timezone.now()
    case_managers = {
        m.agency_id: m.user
        for m in Membership.objects.filter(role=Role.CASE_MANAGER, agency__name__in=[s[0] for s in SERVICES])
        .select_related("user")
        .order_by("-user__username")
    }
    persona_cm = User.objects.get(username="casemanager")
    case_managers[provider.pk] = persona_cm
    services = []
    for i, (agency_name, kind, name, hours, address, phone, serves, warm) in enumerate(SERVICES):
        agency = Agency.objects.get(name=agency_name)
        # Some capacity is fresh, some stale (over 24 hours old): both must show in the directory.
        updated = now - (timedelta(hours=rng.randint(1, 20)) if i % 3 else timedelta(days=rng.randint(2, 9)))
        state = [CapacityState.OPEN, CapacityState.FULL, CapacityState.CALL][i % 3]
        service, _ = ProviderService.objects.get_or_create(
            agency=agency,
            name=name,
            defaults={
                "kind": kind,
                "hours": hours,
                "address": address,
                "phone": phone,
                "serves": serves,
                "accepts_warm_handoffs": warm,
                "capacity_state": state,
                "open_slots": rng.randint(1, 8) if state == CapacityState.OPEN else None,
                "capacity_updated_at": updated,
                "capacity_updated_by": case_managers.get(agency.pk, persona_cm),
            },
        )
        services.append(service)

    if program.referrals.exists():
        return f"{program.referrals.count()} referrals already present"
    return _seed_referrals(program, services, case_managers, rng, now)


def _seed_referrals(program, services, case_managers, rng, now) -> str:
    officers = list(
        Membership.objects.filter(role__in=[Role.OFFICER, Role.SUPERVISOR], agency__in=program.partners.all())
        .select_related("user")
        .order_by("pk")
    ) + list(
        Membership.objects.filter(role__in=[Role.OFFICER, Role.SUPERVISOR], agency=program.lead_agency)
        .select_related("user")
        .order_by("pk")
    )
    # Some officers refer far more than others: the leaderboard should have a shape.
    weights = [rng.paretovariate(1.3) for _ in officers]
    persona = next(m for m in officers if m.user.username == "officer")
    weights[officers.index(persona)] = max(weights) * 1.2
    coordinator_like = {s.agency_id: case_managers.get(s.agency_id) for s in services}
    criteria = list(program.criteria.order_by("position"))
    creator = persona.user

    participants: list[Participant] = []
    keys: list[ParticipantMatchKey] = []
    people = []  # (first, last, dob) or None for pseudonymous
    unique_people = int(REFERRAL_COUNT * 0.72)
    for _ in range(unique_people):
        if rng.random() < 0.08:
            people.append(None)
            participants.append(
                Participant(program=program, is_pseudonymous=True, description=rng.choice(DESCRIPTIONS), created_by=creator)
            )
            continue
        first, last = rng.choice(FIRST), rng.choice(LAST)
        dob = datetime.date(rng.randint(1958, 2005), rng.randint(1, 12), rng.randint(1, 28))
        people.append((first, last, dob))
        participants.append(
            Participant(
                program=program,
                first_name=first,
                last_name=last,
                date_of_birth=dob,
                phone=f"(555) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}" if rng.random() < 0.7 else "",
                created_by=creator,
            )
        )
    Participant.objects.bulk_create(participants, batch_size=1000)
    for participant, person in zip(participants, people, strict=True):
        if person:
            keys.extend(ParticipantMatchKey(participant=participant, kind=k, digest=d) for k, d in match_keys(*person))
    # A few near-duplicates for case managers to merge ("Bill" for "William", same birthday).
    nicknames = {"William": "Bill", "Robert": "Bob", "James": "Jim", "Elizabeth": "Liz", "Michael": "Mike"}
    dupes = 0
    for person in list(people):
        if person and person[0] in nicknames and dupes < 12:
            twin = Participant(
                program=program, first_name=nicknames[person[0]], last_name=person[1], date_of_birth=person[2], created_by=creator
            )
            twin.save()
            participants.append(twin)
            people.append((nicknames[person[0]], person[1], person[2]))
            keys.extend(
                ParticipantMatchKey(participant=twin, kind=k, digest=d)
                for k, d in match_keys(nicknames[person[0]], person[1], person[2])
            )
            dupes += 1
    ParticipantMatchKey.objects.bulk_create(keys, batch_size=2000, ignore_conflicts=True)

    warm_services = [s for s in services if not s.warm_handoff_refusal()]
    referrals: list[Referral] = []
    plans = []
    for n in range(REFERRAL_COUNT):
        # The first pass gives everyone one referral; the rest are re-referrals (relapse is part of recovery).
        participant = participants[n] if n < len(participants) else rng.choice(participants[: unique_people // 2])
        membership = rng.choices(officers, weights=weights)[0]
        age_days = rng.random() ** 0.8 * DAYS  # a program that grows: more referrals lately
        created = now - timedelta(days=age_days, minutes=rng.randint(0, 1440))
        if n < 14:
            created = now - timedelta(hours=rng.uniform(0.5, 40))  # a live queue, some overdue
        handoff = _weighted(rng, HANDOFF_WEIGHTS)
        service = None
        if handoff in (Handoff.WARM, Handoff.TRANSPORT) or rng.random() < 0.4:
            service = rng.choice(services)
            if handoff == Handoff.WARM and service.warm_handoff_refusal():
                # the same rule as the officer's form: a warm hand-off goes only where one is taken
                service = warm_services[n % len(warm_services)]
        completion = int(max(90, rng.lognormvariate(5.9, 0.45)))  # median about 6 minutes
        answers = {str(c.pk): (c.required_answer if c.kind == CriterionKind.HARD else rng.random() < 0.07) for c in criteria}
        referrals.append(
            Referral(
                program=program,
                participant=participant,
                officer=membership.user,
                agency_id=membership.agency_id,
                provider=service.agency if service else program.case_management_agency,
                service=service,
                pathway=_weighted(rng, PATHWAY_WEIGHTS),
                handoff=handoff,
                circumstances=rng.sample(Circumstance.values, k=rng.choice([0, 1, 1, 2])),
                eligibility_answers=answers,
                needs_justice_coordination=any(answers[str(c.pk)] for c in criteria if c.kind == CriterionKind.INCLUSIVE),
                idempotency_key=uuid.uuid4(),
                form_opened_at=created - timedelta(seconds=completion),
                created_at=created,
                completion_seconds=completion,
                status=Status.RECEIVED,
                status_changed_at=created,
            )
        )
        plans.append(_plan_history(rng, created, now, n < 14))
    # A warm hand-off waiting 50 minutes with nobody acknowledging it: the demo's escalation (issue 12).
    waiting = referrals[0]
    waiting.handoff, waiting.service = Handoff.WARM, warm_services[0]
    waiting.provider = warm_services[0].agency
    waiting.created_at = waiting.status_changed_at = now - timedelta(minutes=50)
    waiting.form_opened_at = waiting.created_at - timedelta(seconds=waiting.completion_seconds)
    plans[0] = []
    _assign(referrals)
    for referral in referrals:
        if referral.needs_justice_coordination and (now - referral.created_at).days > 5:
            referral.justice_coordinated_at = referral.created_at + timedelta(days=rng.randint(1, 4))
    Referral.objects.bulk_create(referrals, batch_size=1000)

    changes: list[StatusChange] = []
    tasks: list[FollowUpTask] = []
    for referral, plan in zip(referrals, plans, strict=True):
        worker = coordinator_like.get(referral.service_id) if referral.service_id else None
        worker = worker or case_managers.get(referral.provider_id) or creator
        changes.append(StatusChange(referral=referral, status=Status.RECEIVED, at=referral.created_at, by=referral.officer))
        for status, at, service_kind in plan:
            # The model's own rule decides what may follow what and the derived timestamps.
            change, _fields = referral.move_to(status, at=at, by=worker, service_kind=service_kind)
            changes.append(change)
        if referral.status in Status.open_statuses():
            due = now + timedelta(hours=rng.randint(-20, 60))
            referral.next_step = "Call again" if referral.status == Status.CONTACT_ATTEMPTED else "First contact call"
            referral.next_step_owner, referral.next_step_due = worker, due
            tasks.append(
                FollowUpTask(referral=referral, title=referral.next_step, due_at=due, assigned_to=worker, created_by=worker)
            )
        if rng.random() < 0.85 and referral.acknowledged_at is None and not plan:
            referral.acknowledged_at = referral.created_at + timedelta(minutes=rng.randint(3, 50))
    waiting.acknowledged_at = None
    StatusChange.objects.bulk_create(changes, batch_size=2000)
    FollowUpTask.objects.bulk_create(tasks)
    Referral.objects.bulk_update(
        referrals,
        [
            "status",
            "status_changed_at",
            "acknowledged_at",
            "first_contact_at",
            "engaged_at",
            "engaged_service_kind",
            "next_step",
            "next_step_owner",
            "next_step_due",
        ],
        batch_size=1000,
    )

    consents, outcomes = _consents_and_outcomes(rng, referrals, now, case_managers, creator)
    _on_call_rota(program, now)
    escalations = _escalate(program, now)
    return (
        f"{len(referrals)} referrals, {len(participants)} participants, {len(changes)} status changes, "
        f"{len(consents)} consents, {len(outcomes)} outcomes, {escalations} escalations"
    )


def _assign(referrals: list[Referral]) -> None:
    """Each provider's referrals dealt in turn to its case managers, oldest first (referrals.assignment's round robin)."""
    turns: dict[int, int] = {}
    team: dict[int, list[int]] = {}
    for referral in sorted(referrals, key=lambda r: r.created_at):
        ids = team.setdefault(referral.provider_id, provider_case_manager_ids(referral.provider_id))
        if ids:
            turn = turns.get(referral.provider_id, 0)
            referral.assigned_to_id = ids[turn % len(ids)]
            turns[referral.provider_id] = turn + 1


def _on_call_rota(program: Program, now) -> None:
    """A week back and a week ahead of daily on-call shifts at each provider, the persona on call today."""
    persona = User.objects.get(username="casemanager")
    start = program.local_midnight(program.today())
    shifts = []
    for agency in Agency.objects.filter(pk__in=program.agency_ids(), kind__in=AgencyKind.providers()).order_by("pk"):
        ids = provider_case_manager_ids(agency.pk)
        if persona.pk in ids:
            ids.remove(persona.pk)
            ids.insert(0, persona.pk)
        for day in range(-7, 8):
            if ids:
                shifts.append(
                    OnCallShift(
                        agency=agency,
                        case_manager_id=ids[day % len(ids)],
                        starts_at=start + timedelta(days=day),
                        ends_at=start + timedelta(days=day + 1),
                        created_by=persona,
                    )
                )
    OnCallShift.objects.bulk_create(shifts)


def _escalate(program: Program, now) -> int:
    """What beat would have escalated by now: the live queue's overdue items."""
    return sum(escalations_run(clock=clock, program=program, now=now) for clock in CLOCKS)


def _plan_history(rng: random.Random, created, now, live: bool):
    """A plausible status history after `created`, cut off at now."""
    steps = []
    t = created + timedelta(minutes=rng.randint(4, 45) if rng.random() < 0.8 else rng.randint(60, 600))

    def add(status, delay, service_kind=""):
        nonlocal t
        t = t + delay
        if t < now:
            steps.append((status, t, service_kind))
            return True
        return False

    if live and rng.random() < 0.5:
        return steps
    t -= timedelta(minutes=1)
    if not add(Status.CONTACT_ATTEMPTED, timedelta(minutes=1)):
        return steps
    roll = rng.random()
    if roll < 0.12:
        add(Status.CONTACT_ATTEMPTED, timedelta(hours=rng.randint(4, 30)))
        add(Status.UNABLE_TO_CONTACT, timedelta(days=rng.randint(3, 10)))
        return steps
    if not add(Status.CONTACTED, timedelta(hours=rng.uniform(0.5, 30))):
        return steps
    if roll < 0.22:
        add(Status.DECLINED, timedelta(hours=rng.randint(1, 48)))
        return steps
    if roll < 0.26:
        add(Status.REFERRED_ELSEWHERE, timedelta(days=rng.randint(1, 4)))
        return steps
    if not add(Status.INTAKE_SCHEDULED, timedelta(days=rng.uniform(0.5, 4))):
        return steps
    if roll < 0.34:
        add(Status.NO_CAPACITY, timedelta(days=rng.randint(1, 5)))
        return steps
    kind = rng.choice(
        [
            ServiceKind.DETOX,
            ServiceKind.MOUD,
            ServiceKind.MOUD,
            ServiceKind.OUTPATIENT,
            ServiceKind.RESIDENTIAL,
            ServiceKind.RECOVERY_SUPPORT,
            ServiceKind.MENTAL_HEALTH,
        ]
    )
    if roll < 0.40 or not add(Status.ENGAGED, timedelta(days=rng.uniform(0.5, 6)), kind):
        return steps
    if rng.random() < 0.68 and add(Status.RETAINED_30, timedelta(days=30)) and rng.random() < 0.62:
        add(Status.RETAINED_90, timedelta(days=60))
    if steps[-1][0] in (Status.ENGAGED, Status.RETAINED_30) and (now - steps[-1][1]).days > 120:
        add(Status.CLOSED, timedelta(days=rng.randint(5, 40)))
    return steps


def _consents_and_outcomes(rng: random.Random, referrals: list[Referral], now, case_managers, fallback):
    consents = []
    seen = set()
    for referral in referrals:
        if referral.participant_id in seen or referral.status in (
            Status.RECEIVED,
            Status.CONTACT_ATTEMPTED,
            Status.UNABLE_TO_CONTACT,
        ):
            continue
        persona = referral.officer.username == "officer"
        if rng.random() > (0.75 if persona else 0.4):
            continue
        seen.add(referral.participant_id)
        signed = (referral.first_contact_at or referral.created_at).date()
        names_officer, names_agency = rng.random() < 0.85, rng.random() < 0.4
        if not (names_officer or names_agency):
            names_officer = True
        consent = Consent(
            participant_id=referral.participant_id,
            disclosing_agency_id=referral.provider_id,
            information_description="Whether I engaged in treatment and my program status after my referral.",
            level=rng.choice(list(DisclosureLevel.values)),
            recipient_officer=referral.officer if names_officer else None,
            recipient_agency_id=referral.agency_id if names_agency else None,
            purpose="To let the referring officer know the outcome of the referral.",
            revocation_terms="I may revoke this consent at any time by telling my case manager.",
            expires_on=signed + timedelta(days=rng.choice([180, 365, 365, 730])),
            signature_name=referral.participant.display_name,
            signature_ticked=True,
            signed_on=signed,
            witnessed_by=case_managers.get(referral.provider_id, fallback),
            created_at=timezone.make_aware(datetime.datetime.combine(signed, datetime.time(12))),
        )
        if rng.random() < 0.1:
            consent.revoked_at = min(now, consent.created_at + timedelta(days=rng.randint(5, 90)))
        consents.append(consent)
    Consent.objects.bulk_create(consents, batch_size=1000)
    outcomes = []
    for referral in rng.sample(referrals, k=len(referrals) // 9):
        kind = rng.choices(list(OutcomeKind.values), weights=[60, 35, 5])[0]
        when = (referral.created_at + timedelta(days=rng.randint(10, 200))).date()
        if when < now.date():
            outcomes.append(
                Outcome(
                    participant_id=referral.participant_id,
                    kind=kind,
                    occurred_on=when,
                    recorded_by=case_managers.get(referral.provider_id, fallback),
                    provider_id=referral.provider_id,
                )
            )
    Outcome.objects.bulk_create(outcomes, batch_size=1000)
    return consents, outcomes
