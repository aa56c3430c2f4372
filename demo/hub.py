"""The second demo program, led by a community health organization, runs a HUB / situation table.

*Lakeview Community Safety & Wellbeing Partnership*: the Lakeview Community Health Center leads; the
police, a behavioral health provider, housing services and youth services sit at the table. Weekly
meetings over 18 months, each with situations presented de-identified, the table's decision,
identities shared for acute ones, interventions (most within 48 hours) and closing reasons. Built
through referrals.hub.services, so the demo obeys the same rules as the pages. Safe to run twice:
nothing is added once the table exists.
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from deflection.audit import AuditContext
from deflection.models import Agency, AgencyKind, Membership, Pathway, Program, ProgramType, Role, User
from demo.foundation import DEMO_PASSWORD, FIRST_NAMES, LAST_NAMES, DemoLogin
from referrals.hub import services
from referrals.hub.models import AgeGroup, CloseReason, HubTable, RiskFactor

PROGRAM_NAME = "Lakeview Community Safety & Wellbeing Partnership"
TABLE_NAME = "Lakeview Situation Table"
LEAD = "Lakeview Community Health Center"
AGENCIES = [
    (LEAD, AgencyKind.COMMUNITY, "(555) 710-2000"),
    ("Lakeview Police Department", AgencyKind.POLICE, "(555) 710-4100"),
    ("Lakeview Behavioral Health", AgencyKind.TREATMENT, "(555) 710-3300"),
    ("Lakeview Housing Services", AgencyKind.COMMUNITY, "(555) 710-5500"),
    ("Lakeview Youth Services", AgencyKind.COMMUNITY, "(555) 710-6600"),
]
PERSONAS = [
    # username, first, last, agency, role, title
    ("hubchair", "Renee", "Okonkwo", LEAD, Role.COORDINATOR, "Situation table chair"),
    ("hubnurse", "Miguel", "Santos", LEAD, Role.CASE_MANAGER, "Community health nurse"),
    ("hubpolice", "Kara", "Lindqvist", "Lakeview Police Department", Role.SUPERVISOR, "Community Sergeant"),
    ("hubhousing", "Omar", "Haddad", "Lakeview Housing Services", Role.CASE_MANAGER, "Housing navigator"),
    ("hubclinic", "Beth", "Ferraro", "Lakeview Behavioral Health", Role.CASE_MANAGER, "Crisis clinician"),
    ("hubyouth", "Jamal", "Pierce", "Lakeview Youth Services", Role.CASE_MANAGER, "Youth worker"),
]
MONTHS = 18
MEETING_TIME = time(10, 0)  # Tuesdays, 10:00 where the program is

# Weights drawn from situation-table practice: overdose, drugs, mental health and housing dominate.
RISK_WEIGHTS = {
    RiskFactor.SUBSTANCE_USE: 9,
    RiskFactor.OVERDOSE: 5,
    RiskFactor.MENTAL_HEALTH: 8,
    RiskFactor.HOUSING: 7,
    RiskFactor.ALCOHOL: 4,
    RiskFactor.SUICIDE_RISK: 3,
    RiskFactor.BASIC_NEEDS: 4,
    RiskFactor.PHYSICAL_HEALTH: 3,
    RiskFactor.VICTIMIZATION: 3,
    RiskFactor.CRIMINAL_INVOLVEMENT: 4,
    RiskFactor.ANTISOCIAL_BEHAVIOUR: 2,
    RiskFactor.MISSING: 1,
    RiskFactor.PARENTING: 2,
    RiskFactor.SOCIAL_ENVIRONMENT: 3,
    RiskFactor.COGNITIVE: 1,
}
AGE_WEIGHTS = {
    AgeGroup.UNDER_12: 1,
    AgeGroup.YOUTH: 4,
    AgeGroup.YOUNG_ADULT: 6,
    AgeGroup.ADULT_25: 9,
    AgeGroup.ADULT_40: 6,
    AgeGroup.OLDER: 2,
}
CLOSE_WEIGHTS = {CloseReason.CONNECTED: 45, CloseReason.RISK_REDUCED: 30, CloseReason.REFUSED: 15, CloseReason.OTHER: 10}
MINUTES = (
    "Quorum present. Situations heard de-identified; decisions and assignments recorded in the system. "
    "Follow-ups from last week reviewed; no names were recorded in these minutes."
)
STREETS = ["Quarry Lane", "Elm Street", "Harbor Road", "Mill Avenue", "Lakeshore Drive", "Pine Court", "Station Road"]


def _agencies() -> dict[str, Agency]:
    return {
        name: Agency.objects.get_or_create(name=name, defaults={"kind": kind, "phone": phone})[0]
        for name, kind, phone in AGENCIES
    }


def _program(agencies: dict[str, Agency]) -> Program:
    program, created = Program.objects.get_or_create(
        name=PROGRAM_NAME,
        defaults={
            "lead_agency": agencies[LEAD],
            "pathways": [Pathway.ACTIVE_OUTREACH, Pathway.COMMUNITY_RESPONSE, Pathway.SELF_REFERRAL],
            "program_types": [ProgramType.HUB],
            "time_zone": "America/Chicago",
            "goals": "Reach people at acutely elevated risk within 48 hours, together, before a crisis or an arrest.",
            "purpose": (
                "No single agency can lower some risks alone. Meeting weekly, the partners hear situations "
                "without names first, and share identity only when the table agrees the risk is acute."
            ),
        },
    )
    if created:
        program.partners.set([agency for name, agency in agencies.items() if name != LEAD])
    return program


def _people(agencies: dict[str, Agency]) -> dict[str, User]:
    password_hash = make_password(DEMO_PASSWORD)
    people = {}
    for username, first, last, agency_name, role, title in PERSONAS:
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@demo.deflection.local",
                "password": password_hash,
            },
        )
        Membership.objects.get_or_create(user=user, agency=agencies[agency_name], defaults={"role": role, "rank": title})
        people[agency_name if role != Role.COORDINATOR else "chair"] = user
    return people


def _weighted(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _tuesdays(program: Program) -> list[date]:
    today = program.today()
    day = today - timedelta(days=MONTHS * 30)
    day += timedelta(days=(1 - day.weekday()) % 7)
    days = []
    while day <= today + timedelta(days=7):
        days.append(day)
        day += timedelta(days=7)
    return days


@transaction.atomic
def seed(_program_of_the_first_demo: Program | None = None) -> str:
    agencies = _agencies()
    program = _program(agencies)
    people = _people(agencies)
    if HubTable.objects.filter(program=program, name=TABLE_NAME).exists():
        return "situation table already there"
    chair = AuditContext(actor=people["chair"])
    table = services.table_create(
        program=program,
        name=TABLE_NAME,
        meets="Tuesdays 10:00, Health Center room B",
        member_agencies=agencies.values(),
        audit=chair,
    )
    rng = random.Random(2613)
    members = list(agencies.values())
    now = timezone.now()
    situations = 0
    days = _tuesdays(program)
    last_held = max(day for day in days if program.local_datetime(day, MEETING_TIME) < now)
    for day in days:
        starts_at = program.local_datetime(day, MEETING_TIME)
        held = starts_at < now
        meeting = services.meeting_schedule(
            table=table, starts_at=starts_at, agenda="1. Follow-ups from last week\n2. New situations\n3. Closings", audit=chair
        )
        if not held:
            continue  # next week's meeting: scheduled, nothing heard yet
        attended = [agency for agency in members if agency.name == LEAD or rng.random() < 0.85]
        services.meeting_record(meeting=meeting, attended_by=attended, minutes=MINUTES, agenda=meeting.agenda, audit=chair)
        # The latest meeting always leaves one situation on the 48-hour clock and one for next week's decision.
        stops = ["identity", "presented"] if day == last_held else []
        for index in range(rng.choice([1, 2, 2, 3, 3, 4]) + len(stops)):
            situations += 1
            _situation(rng, table, meeting, attended, people, now, stop=stops[index] if index < len(stops) else "")
    return f"{PROGRAM_NAME}: {table.meetings.count()} meetings, {situations} situations ({TABLE_NAME}; sign in as hubchair)"


def _situation(rng, table, meeting, attended, people, now, stop: str = "") -> None:
    presenter_agency = rng.choice(attended)
    presenter = AuditContext(actor=people[presenter_agency.name])
    lead = presenter_agency if rng.random() < 0.6 else rng.choice(attended)
    factors = {_weighted(rng, RISK_WEIGHTS) for _ in range(rng.randint(2, 5))}
    presented_at = meeting.starts_at + timedelta(minutes=rng.randint(5, 80))
    situation = services.situation_present(
        meeting=meeting,
        presenting_agency=presenter_agency,
        risk_factors=sorted(factors),
        age_group=_weighted(rng, AGE_WEIGHTS),
        lead_agency=lead,
        presented_at=presented_at,
        audit=presenter,
    )
    if stop == "presented":
        return  # deferred: the table decides at its next meeting
    decided_at = presented_at + timedelta(minutes=rng.randint(3, 15))
    chair = AuditContext(actor=people["chair"])
    if rng.random() < 0.3 and not stop:
        services.situation_decide(situation=situation, acute=False, decided_at=decided_at, audit=chair)
        return
    assisting = rng.sample([a for a in attended if a != lead], k=min(len(attended) - 1, rng.randint(1, 2)))
    situation = services.situation_decide(
        situation=situation, acute=True, lead_agency=lead, assisting_agencies=assisting, decided_at=decided_at, audit=chair
    )
    services.identity_share(
        situation=situation,
        first_name=rng.choice(FIRST_NAMES),
        last_name=rng.choice(LAST_NAMES),
        date_of_birth=date(rng.randint(1950, 2010), rng.randint(1, 12), rng.randint(1, 28)),
        address=f"{rng.randint(10, 990)} {rng.choice(STREETS)}, Lakeview",
        audit=presenter,
    )
    if stop == "identity":
        return  # the assigned agencies have not yet agreed the intervention
    lead_audit = AuditContext(actor=people[situation.lead_agency.name])
    hours = rng.choice([6, 18, 20, 26, 30, 40, 44, 47]) if rng.random() < 0.87 else rng.randint(50, 90)
    intervention_at = decided_at + timedelta(hours=hours)
    if intervention_at > now:
        return  # the 48-hour clock is still running (overdue ones show red on the table page)
    took_part = [a.agency for a in situation.assignments.select_related("agency") if a.role == "lead" or rng.random() < 0.8]
    situation = services.intervention_record(situation=situation, took_part=took_part, at=intervention_at, audit=lead_audit)
    closed_at = intervention_at + timedelta(days=rng.randint(3, 35))
    if closed_at > now:
        return
    services.situation_close(situation=situation, reason=_weighted(rng, CLOSE_WEIGHTS), at=closed_at, audit=lead_audit)


def demo_logins() -> list[DemoLogin]:
    return [
        DemoLogin(username, Role(role).label, f"{first} {last}, {title}, {agency}")
        for username, first, last, agency, role, title in PERSONAS
    ]
