"""Training figures: the compliance page for 2,000 officers and 10 courses (target: under 300 ms).

The scale data set is a program of its own ("Bench Training Scale Program") built with
bulk_create the first time and reused afterwards: 2,000 officers in 20 units of two
agencies, 10 courses, 240 sessions over two years and about 30,000 attendances.
"""

import random
import statistics
import time
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deflection.models import Agency, AgencyKind, Membership, Program, Role, Unit, User
from training.models import Attendance, AttendanceMethod, Course, InstructorKind, Session

PROGRAM = "Bench Training Scale Program"
OFFICERS = 2000
COURSES = 10
COORDINATOR = "bench.training.coordinator"


@transaction.atomic
def scale_program() -> Program:
    existing = Program.objects.filter(name=PROGRAM).first()
    if existing is not None:
        return existing
    rng = random.Random(2000)
    lead = Agency.objects.create(name="Bench Metro PD", kind=AgencyKind.POLICE)
    partner = Agency.objects.create(name="Bench County Sheriff", kind=AgencyKind.SHERIFF)
    program = Program.objects.create(
        name=PROGRAM, lead_agency=lead, goals="Benchmark.", purpose="Benchmark.", time_zone="America/Chicago"
    )
    program.partners.set([partner])
    units = Unit.objects.bulk_create([Unit(agency=a, name=f"Unit {i}") for a in (lead, partner) for i in range(10)])
    password = make_password(None)  # unusable: nobody signs in as these
    users = User.objects.bulk_create(
        [User(username=f"bench.officer{i}", email=f"bench.officer{i}@bench.invalid", password=password) for i in range(OFFICERS)]
    )
    Membership.objects.bulk_create(
        [
            Membership(user=u, agency=units[i % 20].agency, unit=units[i % 20], role=Role.OFFICER, badge_number=f"B{i}")
            for i, u in enumerate(users)
        ]
    )
    coordinator = User.objects.create(username=COORDINATOR, email=f"{COORDINATOR}@bench.invalid", password=password)
    Membership.objects.create(user=coordinator, agency=lead, role=Role.COORDINATOR)
    courses = Course.objects.bulk_create(
        [
            Course(
                program=program,
                title=f"Bench course {i}",
                description="-",
                objectives="-",
                duration_minutes=60,
                required_roles=[Role.OFFICER],
                refresher_months=[None, 12, 24][i % 3],
                is_core=i < 4,
            )
            for i in range(COURSES)
        ]
    )
    now = timezone.now()
    sessions = Session.objects.bulk_create(
        [
            Session(
                course=c,
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                location="Bench room",
                capacity=400,
                instructor_kind=InstructorKind.STAFF,
                host=coordinator,
            )
            for c in courses
            for start in (now - timedelta(days=30 * k + 3) for k in range(24))
        ]
    )
    by_course = {}
    for s in sessions:
        by_course.setdefault(s.course_id, []).append(s)
    attendances = []
    for u in users:
        for c in courses:
            for s in rng.sample(by_course[c.pk], rng.choice([0, 1, 1, 2, 2, 2])):
                attendances.append(Attendance(session=s, user=u, method=AttendanceMethod.CSV))
    Attendance.objects.bulk_create(attendances, batch_size=5000)
    return program


def analyze() -> None:
    """Fresh planner statistics, as autovacuum would have gathered them in production by now."""
    with connection.cursor() as cursor:
        for table in ("deflection_membership", "deflection_user", "training_course", "training_session", "training_attendance"):
            cursor.execute(f"ANALYZE {table}")


def run() -> dict[str, tuple[float, str]]:
    program = scale_program()
    analyze()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=COORDINATOR))
    url = f"/training/programs/{program.pk}/compliance/"
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert f"of {OFFICERS} people fully in date" in response.content.decode()
    samples = []
    for _ in range(15):
        start = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return {
        "training_compliance_ms": (round(statistics.median(samples), 1), "ms"),
        "training_compliance_p90_ms": (round(sorted(samples)[int(len(samples) * 0.9)], 1), "ms"),
        "training_compliance_queries": (len(queries), "queries"),
    }
