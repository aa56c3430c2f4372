"""A large program for the report benchmarks (`manage.py seed_scale`): a million referrals, 2,000 officers, five years.

Bulk-loaded inside PostgreSQL (INSERT ... SELECT over generate_series), never one INSERT per row, so
it builds in a few minutes on two cores. It lives in its own program ("Scale Test Program") and never
mixes with the demo. Participants' identity fields all hold one pre-encrypted token: the scale set
measures reports, which never read them.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from deflection.crypto import encrypt_str
from deflection.models import Agency, AgencyKind, Membership, Pathway, Program, Role, Unit, User
from referrals.models import Participant, Referral, StatusChange
from reports.models import MonthRollup, MonthSummary, PublishedLevel, RollupBuild
from reports.services import reports_warm
from training.models import Attendance, AttendanceMethod, Course, InstructorKind, Session

PROGRAM_NAME = "Scale Test Program"
USER_PREFIX = "scale."
COORDINATOR = "scale.coordinator"
COMMAND = "scale.command"


@dataclass(frozen=True)
class ScaleSize:
    referrals: int = 1_000_000
    officers: int = 2_000
    staff: int = 3_000  # dispatchers and other staff: with the officers, 5,000 newsletter recipients
    years: int = 5
    units: int = 40


def scale_program() -> Program | None:
    return Program.objects.filter(name=PROGRAM_NAME).first()


def _log(out, message: str) -> None:
    if out is not None:
        out.write(message + "\n")


def seed_scale(*, size: ScaleSize = ScaleSize(), now: datetime | None = None, out=None) -> Program:
    """Build the scale program, or return it if it is already there."""
    existing = scale_program()
    if existing is not None:
        _log(out, f"{PROGRAM_NAME} already exists ({existing.referrals.count():,} referrals)")
        return existing
    now = now or timezone.now()
    started = time.monotonic()
    with transaction.atomic():
        program, officers, case_manager, treatment, community = _people(size, now)
        _log(out, f"people: {time.monotonic() - started:.1f}s")
        _referrals(program, officers, case_manager, treatment, community, size, now)
        _log(out, f"referrals: {time.monotonic() - started:.1f}s")
        _training(program, officers, size, now)
        _log(out, f"training: {time.monotonic() - started:.1f}s")
    with connection.cursor() as cursor:
        for table in (
            Referral._meta.db_table,
            Participant._meta.db_table,
            StatusChange._meta.db_table,
            Membership._meta.db_table,
            User._meta.db_table,
        ):
            cursor.execute(f"ANALYZE {table}")  # fresh statistics, as autovacuum would gather them by now
    _log(out, f"{PROGRAM_NAME}: {size.referrals:,} referrals in {time.monotonic() - started:.0f}s")
    # What beat's hourly warming would have done by now: ended months counted into the rollups, and
    # the periods the report pages offer published.
    started = time.monotonic()
    reports_warm(program_id=program.pk, now=now)
    analyze_reports()
    _log(out, f"rollups and publications: {time.monotonic() - started:.0f}s")
    return program


def analyze_reports() -> None:
    """Fresh statistics for the tables the warming run just filled, as autovacuum would gather them."""
    with connection.cursor() as cursor:
        for table in (MonthRollup, MonthSummary, RollupBuild, PublishedLevel):
            cursor.execute(f"ANALYZE {table._meta.db_table}")


def _people(size: ScaleSize, now: datetime):
    lead = Agency.objects.create(name="Scale Metro Police Department", kind=AgencyKind.POLICE)
    sheriff = Agency.objects.create(name="Scale County Sheriff's Office", kind=AgencyKind.SHERIFF)
    treatment = Agency.objects.create(name="Scale Treatment Center", kind=AgencyKind.TREATMENT)
    community = Agency.objects.create(name="Scale Recovery Coalition", kind=AgencyKind.COMMUNITY)
    program = Program.objects.create(
        name=PROGRAM_NAME,
        lead_agency=lead,
        pathways=list(Pathway.values),
        time_zone="America/Chicago",
        goals="Measure reports at scale.",
        purpose="Benchmarks only.",
        case_management_agency=treatment,
        created_at=now - timedelta(days=365 * size.years + 30),
    )
    program.partners.set([sheriff, treatment, community])
    police = [lead, sheriff]
    units = Unit.objects.bulk_create([Unit(agency=police[n % 2], name=f"Unit {n // 2 + 1}") for n in range(size.units)])
    password = make_password(None)  # unusable: the bench signs in with force_login
    users = User.objects.bulk_create(
        [
            User(
                username=f"{USER_PREFIX}officer{n}",
                email=f"officer{n}@scale.invalid",
                password=password,
                first_name="Officer",
                last_name=f"{n:04d}",
            )
            for n in range(size.officers)
        ]
        + [
            User(
                username=f"{USER_PREFIX}staff{n}",
                email=f"staff{n}@scale.invalid",
                password=password,
                first_name="Staff",
                last_name=f"{n:04d}",
            )
            for n in range(size.staff)
        ]
        + [
            User(username=name, email=f"{name}@scale.invalid", password=password, first_name=name.split(".")[1].title())
            for name in (COORDINATOR, COMMAND, f"{USER_PREFIX}casemanager")
        ],
        batch_size=2000,
    )
    officers, staff = users[: size.officers], users[size.officers : size.officers + size.staff]
    coordinator, command, case_manager = users[-3:]
    memberships = [
        Membership(
            user=user, agency=units[n % len(units)].agency, unit=units[n % len(units)], role=Role.OFFICER, badge_number=f"S{n}"
        )
        for n, user in enumerate(officers)
    ]
    memberships += [
        Membership(user=user, agency=police[n % 2], role=Role.SUPERVISOR if n % 10 == 0 else Role.DISPATCHER)
        for n, user in enumerate(staff)
    ]
    memberships += [
        Membership(user=coordinator, agency=lead, role=Role.COORDINATOR),
        Membership(user=command, agency=lead, role=Role.COMMAND),
        Membership(user=case_manager, agency=treatment, role=Role.CASE_MANAGER),
    ]
    Membership.objects.bulk_create(memberships, batch_size=2000)
    officer_rows = [(n, user.pk, units[n % len(units)].agency_id) for n, user in enumerate(officers)]
    return program, officer_rows, case_manager, treatment, community


def _referrals(program, officers, case_manager, treatment, community, size: ScaleSize, now: datetime) -> None:
    people = max(1, int(size.referrals * 0.7))  # the rest are re-referrals of earlier people
    start = now - timedelta(days=365 * size.years)
    span = (now - start).total_seconds()
    token_first, token_last = encrypt_str("Scale"), encrypt_str("Person")
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute("CREATE TEMP TABLE scale_officers (idx int PRIMARY KEY, user_id bigint, agency_id bigint) ON COMMIT DROP")
        cursor.executemany("INSERT INTO scale_officers VALUES (%s, %s, %s)", officers)
        cursor.execute(
            f"""
            INSERT INTO {Participant._meta.db_table}
                (first_name, last_name, date_of_birth, phone, address, description, is_pseudonymous, created_at,
                 created_by_id, program_id)
            SELECT %s, %s, NULL, '', '', '', false, %s, %s, %s FROM generate_series(1, %s)
            """,  # noqa: S608  (table names are ours; values are parameters)
            [token_first, token_last, start, case_manager.pk, program.pk, people],
        )
        cursor.execute(
            f"""CREATE TEMP TABLE scale_people ON COMMIT DROP AS
                SELECT row_number() OVER (ORDER BY id) AS n, id FROM {Participant._meta.db_table} WHERE program_id = %s""",  # noqa: S608
            [program.pk],
        )
        cursor.execute("CREATE UNIQUE INDEX ON scale_people (n)")
        # One row per referral: its random draws first, then every column from them, so that the
        # outcome times agree with one another (engaged after contacted after referred).
        cursor.execute(
            f"""
            INSERT INTO {Referral._meta.db_table}
                (pathway, handoff, circumstances, eligibility_answers, needs_justice_coordination, location, note,
                 idempotency_key, form_opened_at, created_at, completion_seconds, status, status_changed_at, next_step,
                 acknowledged_at, first_contact_at, engaged_at, engaged_service_kind, agency_id, officer_id,
                 participant_id, program_id, provider_id)
            SELECT
                CASE WHEN d.p < 0.38 THEN 'officer_referral' WHEN d.p < 0.56 THEN 'naloxone_plus'
                     WHEN d.p < 0.76 THEN 'officer_intervention' WHEN d.p < 0.86 THEN 'self_referral'
                     WHEN d.p < 0.94 THEN 'active_outreach' ELSE 'community_response' END,
                CASE WHEN d.h < 0.30 THEN 'warm_handoff' WHEN d.h < 0.45 THEN 'transport'
                     WHEN d.h < 0.90 THEN 'case_manager_followup' ELSE 'information_only' END,
                '{{}}', '{{}}', false, '', '', gen_random_uuid(),
                d.created - make_interval(secs => d.secs), d.created, d.secs,
                CASE WHEN d.e < 0.62 AND d.c < 0.88 THEN 'engaged' WHEN d.c < 0.88 THEN 'contacted'
                     WHEN d.c < 0.97 THEN 'unable_to_contact' ELSE 'received' END,
                -- Referral.move_to's rules: the status changed at the last step; a step acknowledges.
                CASE WHEN d.e < 0.62 AND d.c < 0.88
                     THEN d.created + make_interval(secs => 1800 + d.c2 * 144000 + 43200 + d.e2 * 2592000)
                     WHEN d.c < 0.88 THEN d.created + make_interval(secs => 1800 + d.c2 * 144000)
                     WHEN d.c < 0.97 THEN d.created + interval '7 days' ELSE d.created END,
                '',
                CASE WHEN d.c < 0.97 THEN LEAST(
                         CASE WHEN d.a < 0.85 THEN d.created + make_interval(mins => 3 + (d.a * 70)::int) END,
                         CASE WHEN d.c < 0.88 THEN d.created + make_interval(secs => 1800 + d.c2 * 144000)
                              ELSE d.created + interval '7 days' END)
                     WHEN d.a < 0.85 THEN d.created + make_interval(mins => 3 + (d.a * 70)::int) END,
                CASE WHEN d.c < 0.88 THEN d.created + make_interval(secs => 1800 + d.c2 * 144000) END,
                CASE WHEN d.e < 0.62 AND d.c < 0.88
                     THEN d.created + make_interval(secs => 1800 + d.c2 * 144000 + 43200 + d.e2 * 2592000) END,
                CASE WHEN d.e < 0.62 AND d.c < 0.88 THEN 'outpatient' ELSE '' END,
                o.agency_id, o.user_id, pp.id, %(program)s,
                CASE WHEN d.h < 0.8 THEN %(treatment)s ELSE %(community)s END
            FROM (
                SELECT g, random() AS p, random() AS h, random() AS c, random() AS c2, random() AS e, random() AS e2,
                       random() AS a, random() AS q, random() AS w,
                       %(start)s::timestamptz + make_interval(secs => %(span)s * power(random(), 0.8)) AS created,
                       90 + (random() * 600)::int AS secs
                FROM generate_series(1, %(referrals)s) AS g
            ) AS d
            JOIN scale_officers AS o ON o.idx = least(%(officers)s - 1, floor(power(d.w, 1.7) * %(officers)s))::int
            JOIN scale_people AS pp ON pp.n = CASE WHEN d.g <= %(people)s THEN d.g ELSE 1 + floor(d.q * %(people)s / 2) END
            -- In time order, as a live program writes them: a month's referrals sit together on disk.
            ORDER BY d.created
            """,  # noqa: S608
            {
                "program": program.pk,
                "treatment": treatment.pk,
                "community": community.pk,
                "start": start,
                "span": span,
                "referrals": size.referrals,
                "officers": len(officers),
                "people": people,
            },
        )
        # The history steps the reports read: retained at 30 and 90 days, declined, unable to contact.
        table, history = Referral._meta.db_table, StatusChange._meta.db_table
        common = "(status, at, note, next_step, service_kind, by_id, referral_id)"
        cursor.execute(
            f"""INSERT INTO {history} {common}
                SELECT 'retained_30', engaged_at + interval '30 days', '', '', '', %s, id FROM {table}
                WHERE program_id = %s AND engaged_at IS NOT NULL AND engaged_at + interval '30 days' < %s AND random() < 0.68""",  # noqa: S608
            [case_manager.pk, program.pk, now],
        )
        cursor.execute(
            f"""INSERT INTO {history} {common}
                SELECT 'retained_90', s.at + interval '60 days', '', '', '', %s, s.referral_id FROM {history} AS s
                JOIN {table} AS r ON r.id = s.referral_id
                WHERE r.program_id = %s AND s.status = 'retained_30' AND s.at + interval '60 days' < %s AND random() < 0.62""",  # noqa: S608
            [case_manager.pk, program.pk, now],
        )
        cursor.execute(
            f"""INSERT INTO {history} {common}
                SELECT 'declined', first_contact_at + interval '1 day', '', '', '', %s, id FROM {table}
                WHERE program_id = %s AND status = 'contacted' AND random() < 0.35""",  # noqa: S608
            [case_manager.pk, program.pk],
        )
        cursor.execute(
            f"""INSERT INTO {history} {common}
                SELECT 'unable_to_contact', created_at + interval '7 days', '', '', '', %s, id FROM {table}
                WHERE program_id = %s AND status = 'unable_to_contact'""",  # noqa: S608
            [case_manager.pk, program.pk],
        )
        # The later steps become the current status, as Referral.move_to would make them
        # (demo/tests/test_seed_scale.py replays each history through it to prove so).
        for status in ("retained_30", "retained_90", "declined"):
            cursor.execute(
                f"""UPDATE {table} AS r SET status = s.status, status_changed_at = s.at FROM {history} AS s
                    WHERE s.referral_id = r.id AND r.program_id = %s AND s.status = %s""",  # noqa: S608
                [program.pk, status],
            )


def _training(program: Program, officers, size: ScaleSize, now: datetime) -> None:
    """Four core courses and naloxone, a session of each every month, two thirds of officers trained."""
    rng = random.Random(2000)
    titles = ["Science of addiction", "Adverse Childhood Experiences", "Relapse and recovery", "Historical context"]
    courses = Course.objects.bulk_create(
        [
            Course(
                program=program,
                title=title,
                description="-",
                objectives="-",
                duration_minutes=90,
                required_roles=[Role.OFFICER],
                is_core=True,
            )
            for title in titles
        ]
        + [
            Course(
                program=program,
                title="Naloxone administration",
                description="-",
                objectives="-",
                duration_minutes=60,
                required_roles=[Role.OFFICER, Role.DISPATCHER],
                refresher_months=24,
                teaches_naloxone=True,
            )
        ]
    )
    months = size.years * 12
    sessions = Session.objects.bulk_create(
        [
            Session(
                course=course,
                starts_at=now - timedelta(days=30 * m + 5),
                ends_at=now - timedelta(days=30 * m + 5, hours=-2),
                location="Training room",
                capacity=400,
                instructor_kind=InstructorKind.PARTNER,
                speaker_agency=program.case_management_agency,
                speaker_name="Scale speaker",
            )
            for course in courses
            for m in range(months)
        ],
        batch_size=1000,
    )
    by_course: dict[int, list] = {}
    for session in sessions:
        by_course.setdefault(session.course_id, []).append(session)
    attendances = []
    for _n, user_id, _agency in officers:
        if rng.random() < 0.67:
            for course in courses:
                attendances.append(
                    Attendance(session=rng.choice(by_course[course.pk]), user_id=user_id, method=AttendanceMethod.CSV)
                )
    Attendance.objects.bulk_create(attendances, batch_size=5000, ignore_conflicts=True)
