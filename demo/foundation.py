"""The demo program: agencies, units, people and roles (`manage.py seed_demo`).

Deterministic and safe to run twice: every row is found by a natural key
before it is created. Other apps add their activity on top of this.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from deflection.models import Agency, AgencyKind, Membership, Pathway, Program, ProgramType, Role, Shift, Unit, User

DEMO_PASSWORD = "Deflect-Demo-2026"  # noqa: S105  (demo data only; printed by seed_demo)
PROGRAM_NAME = "Harlan County Deflection Initiative"

AGENCIES = [
    ("Riverside Police Department", AgencyKind.POLICE, "(555) 201-4400", ["District 1", "District 2", "District 3", "Traffic"]),
    ("Millbrook Police Department", AgencyKind.POLICE, "(555) 318-2200", ["Day Patrol", "Night Patrol"]),
    ("Harlan County Sheriff's Office", AgencyKind.SHERIFF, "(555) 400-9100", ["North Patrol", "South Patrol"]),
    ("Harlan County Fire & EMS", AgencyKind.FIRE_EMS, "(555) 400-7300", ["Medic 1", "Medic 2"]),
    ("Harbor Light Treatment Center", AgencyKind.TREATMENT, "(555) 622-0110", []),
    ("Second Chance Recovery Coalition", AgencyKind.COMMUNITY, "(555) 622-4545", []),
    ("Harlan County Prosecutor's Office", AgencyKind.PROSECUTOR, "(555) 400-3000", []),
]

FIRST_NAMES = [
    "James",
    "Maria",
    "Robert",
    "Linda",
    "Michael",
    "Aisha",
    "David",
    "Jennifer",
    "Carlos",
    "Emily",
    "Daniel",
    "Keisha",
    "Thomas",
    "Sarah",
    "Kevin",
    "Nicole",
    "Brian",
    "Angela",
    "Jason",
    "Priya",
    "Marcus",
    "Laura",
    "Anthony",
    "Rachel",
    "Eric",
    "Tanya",
    "Steven",
    "Megan",
    "Luis",
    "Hannah",
    "Derek",
    "Olivia",
    "Andre",
    "Grace",
    "Paul",
    "Yesenia",
    "Scott",
    "Brianna",
    "Victor",
    "Kim",
]
LAST_NAMES = [
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Mitchell",
    "Roberts",
    "Carter",
    "Phillips",
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    who: str


# The named personas a newcomer signs in as; printed by seed_demo and the README.
PERSONAS = [
    # username, first, last, agency, role, unit, rank, badge
    ("officer", "Sam", "Garcia", "Riverside Police Department", Role.OFFICER, "District 1", "Patrol Officer", "4127"),
    ("sergeant", "Dana", "Brooks", "Riverside Police Department", Role.SUPERVISOR, "District 1", "Sergeant", "2210"),
    ("command", "Maria", "Reyes", "Riverside Police Department", Role.COMMAND, None, "Deputy Chief", "1003"),
    ("dispatcher", "Jordan", "Lee", "Riverside Police Department", Role.DISPATCHER, None, "Dispatcher", ""),
    ("casemanager", "Alex", "Nguyen", "Harbor Light Treatment Center", Role.CASE_MANAGER, None, "Case Manager", ""),
    ("peer", "Toni", "Morales", "Second Chance Recovery Coalition", Role.CASE_MANAGER, None, "Peer Recovery Coach", ""),
    ("coordinator", "Priya", "Patel", "Riverside Police Department", Role.COORDINATOR, None, "Program Coordinator", ""),
    ("admin", "Chris", "Okafor", "Riverside Police Department", Role.ADMINISTRATOR, None, "Systems Administrator", ""),
    ("deputy", "Ray", "Whitaker", "Harlan County Sheriff's Office", Role.OFFICER, "North Patrol", "Deputy", "S-311"),
]

# How many more people of each kind each agency gets (about 40 officers in all).
BULK_STAFF = {
    "Riverside Police Department": [(Role.OFFICER, 17), (Role.SUPERVISOR, 2), (Role.COMMAND, 1), (Role.DISPATCHER, 2)],
    "Millbrook Police Department": [(Role.OFFICER, 9), (Role.SUPERVISOR, 1), (Role.COMMAND, 1), (Role.DISPATCHER, 1)],
    "Harlan County Sheriff's Office": [(Role.OFFICER, 9), (Role.SUPERVISOR, 1), (Role.COMMAND, 1), (Role.DISPATCHER, 1)],
    "Harlan County Fire & EMS": [(Role.OFFICER, 4)],
    "Harbor Light Treatment Center": [(Role.CASE_MANAGER, 2)],
    "Second Chance Recovery Coalition": [(Role.CASE_MANAGER, 1)],
}
RANK = {
    Role.OFFICER: "Patrol Officer",
    Role.SUPERVISOR: "Sergeant",
    Role.COMMAND: "Lieutenant",
    Role.DISPATCHER: "Dispatcher",
    Role.CASE_MANAGER: "Case Manager",
}
PREFIX = {
    "Riverside Police Department": "rpd",
    "Millbrook Police Department": "mpd",
    "Harlan County Sheriff's Office": "hcso",
    "Harlan County Fire & EMS": "ems",
    "Harbor Light Treatment Center": "hl",
    "Second Chance Recovery Coalition": "scrc",
}


@transaction.atomic
def seed_foundation() -> Program:
    agencies: dict[str, Agency] = {}
    units: dict[tuple[str, str], Unit] = {}
    for name, kind, phone, unit_names in AGENCIES:
        agency, _ = Agency.objects.get_or_create(name=name, defaults={"kind": kind, "phone": phone})
        agencies[name] = agency
        for unit_name in unit_names:
            units[(name, unit_name)], _ = Unit.objects.get_or_create(agency=agency, name=unit_name)

    program, created = Program.objects.get_or_create(
        name=PROGRAM_NAME,
        defaults={
            "lead_agency": agencies["Riverside Police Department"],
            "pathways": [
                Pathway.OFFICER_REFERRAL,
                Pathway.NALOXONE_PLUS,
                Pathway.OFFICER_INTERVENTION,
                Pathway.SELF_REFERRAL,
                Pathway.ACTIVE_OUTREACH,
                Pathway.COMMUNITY_RESPONSE,
            ],
            "program_types": [ProgramType.SELF_OFFICER_REFERRAL, ProgramType.POST_OVERDOSE, ProgramType.CO_RESPONDER],
            "time_zone": "America/Chicago",
            "goals": (
                "Connect people with substance use disorders to treatment instead of jail.\n"
                "Cut repeat calls for service and overdose deaths in Harlan County.\n"
                "Make a referral quicker for an officer than an arrest and booking."
            ),
            "purpose": (
                "Arrest alone has not solved the drug problem. Officers who refer people to treatment "
                "see fewer repeat calls, and the program's case managers follow up so officers can get "
                "back on the road. Deflection is recognised in performance evaluations like traffic "
                "enforcement and community engagement."
            ),
            "booking_baseline_minutes": 95,
        },
    )
    if created:
        program.partners.set([a for n, a in agencies.items() if n != "Riverside Police Department"])

    password_hash = make_password(DEMO_PASSWORD)  # hash once; every demo user shares it
    for username, first, last, agency_name, role, unit_name, rank, badge in PERSONAS:
        _ensure_member(
            username,
            first,
            last,
            agencies[agency_name],
            role,
            units.get((agency_name, unit_name)) if unit_name else None,
            rank,
            badge,
            password_hash,
        )
        if role == Role.ADMINISTRATOR:
            User.objects.filter(username=username).update(is_staff=True, is_superuser=True)

    rng = random.Random(2026)
    shifts = [Shift.DAY, Shift.EVENING, Shift.NIGHT]
    for agency_name, groups in BULK_STAFF.items():
        agency = agencies[agency_name]
        agency_units = [u for (a, _), u in units.items() if a == agency_name]
        n = 0
        for role, count in groups:
            for _ in range(count):
                n += 1
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                username = f"{PREFIX[agency_name]}.{first[0].lower()}{last.lower()}{n}"
                is_patrol = role in {Role.OFFICER, Role.SUPERVISOR}
                _ensure_member(
                    username,
                    first,
                    last,
                    agency,
                    role,
                    rng.choice(agency_units) if is_patrol and agency_units else None,
                    RANK.get(role, ""),
                    f"{PREFIX[agency_name].upper()}-{1000 + n}" if is_patrol else "",
                    password_hash,
                    shift=rng.choice(shifts) if is_patrol else "",
                )
    return program


def _ensure_member(username, first, last, agency, role, unit, rank, badge, password_hash, shift=Shift.DAY):
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@demo.deflection.local",
            "password": password_hash,
        },
    )
    Membership.objects.get_or_create(
        user=user,
        agency=agency,
        defaults={"role": role, "unit": unit, "rank": rank, "badge_number": badge, "shift": shift if badge else ""},
    )
    return user


def demo_logins() -> list[DemoLogin]:
    return [
        DemoLogin(username, Role(role).label, f"{first} {last}, {rank}, {agency}")
        for username, first, last, agency, role, _unit, rank, _badge in PERSONAS
    ]
