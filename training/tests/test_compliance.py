"""Compliance: each person's standing per required course, rates by unit, agency and role, command
participation, and a page whose query count does not grow with the number of people."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from deflection.models import Membership, Role, User
from deflection.tests.factories import MembershipFactory, UnitFactory
from training.access import ComplianceScope
from training.models import Attendance, AttendanceMethod, ComplianceStatus, Session
from training.selectors import compliance_report, core_curriculum_completer_ids
from training.tests.factories import AttendanceFactory, CourseFactory, SessionFactory

NOW = datetime(2025, 9, 10, 17, 0, tzinfo=UTC)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 15, 0, tzinfo=UTC)


@pytest.fixture
def two_courses(world):
    naloxone = CourseFactory(program=world.program, title="Naloxone", refresher_months=12, required_roles=["officer", "command"])
    aces = CourseFactory(
        program=world.program,
        title="ACEs",
        refresher_months=None,
        is_core=True,
        required_roles=["officer", "dispatcher", "supervisor", "command"],
    )
    return naloxone, aces


def test_each_person_gets_completed_due_overdue_or_never(world, two_courses):
    naloxone, aces = two_courses
    AttendanceFactory(session=SessionFactory(course=naloxone, starts_at=at(date(2025, 1, 5))), user=world.officer)
    AttendanceFactory(session=SessionFactory(course=naloxone, starts_at=at(date(2024, 9, 20))), user=world.other_officer)
    AttendanceFactory(session=SessionFactory(course=naloxone, starts_at=at(date(2024, 8, 1))), user=world.command)
    AttendanceFactory(session=SessionFactory(course=aces, starts_at=at(date(2020, 3, 1))), user=world.officer)
    with time_machine.travel(NOW, tick=False):
        report = compliance_report(program=world.program, scope=ComplianceScope())
    people = {p.username: p for p in report.people}
    assert people["officer"].standings[naloxone.pk].status == ComplianceStatus.CURRENT
    assert people["officer"].standings[naloxone.pk].due_on == date(2026, 1, 5)
    assert people["officer"].standings[aces.pk].status == ComplianceStatus.CURRENT
    assert people["officer"].standings[aces.pk].completed_on == date(2020, 3, 1)
    assert people["officer2"].standings[naloxone.pk].status == ComplianceStatus.DUE_SOON
    assert people["command"].standings[naloxone.pk].status == ComplianceStatus.OVERDUE
    assert people["command"].standings[aces.pk].status == ComplianceStatus.NEVER
    # Dispatchers need ACEs but not naloxone.
    assert set(people["dispatcher"].standings) == {aces.pk}
    # Case managers, coordinators and administrators are not required to train here.
    assert not {"casemanager", "coordinator", "admin", "outsider"} & set(people)

    assert people["officer"].is_compliant and not people["officer2"].is_compliant
    by_role = {r.label: (r.people, r.compliant_people, r.required, r.current) for r in report.by_role}
    assert by_role == {
        "Officer": (3, 1, 6, 3),  # officer 2 of 2; officer2 naloxone due soon, ACEs never; deputy 0 of 2
        "Dispatcher": (1, 0, 1, 0),
        "Supervisor": (1, 0, 1, 0),
        "Command staff": (1, 0, 2, 0),
    }
    by_agency = {r.label: (r.people, r.people_rate) for r in report.by_agency}
    assert by_agency == {"County Sheriff": (1, 0), "Riverside PD": (5, 20)}
    assert [(r.label, r.people) for r in report.by_unit] == [("Riverside PD: District 1", 3)]
    tallies = {t.course.title: t.counts for t in report.by_course}
    assert tallies["Naloxone"] == {"current": 1, "due_soon": 1, "overdue": 1, "never": 1}


def test_command_participation_counts_sessions_in_the_last_year(world, two_courses):
    naloxone, aces = two_courses
    AttendanceFactory(session=SessionFactory(course=naloxone, starts_at=NOW - timedelta(days=40)), user=world.command)
    AttendanceFactory(session=SessionFactory(course=aces, starts_at=NOW - timedelta(days=200)), user=world.command)
    AttendanceFactory(session=SessionFactory(course=aces, starts_at=NOW - timedelta(days=500)), user=world.command)
    with time_machine.travel(NOW, tick=False):
        report = compliance_report(program=world.program, scope=ComplianceScope())
    [command] = report.command_staff
    assert (command.username, command.sessions_last_year, command.is_compliant) == ("command", 2, True)
    assert report.command_attended_last_year == 1


def test_future_sessions_do_not_count_yet(world, two_courses):
    naloxone, _ = two_courses
    AttendanceFactory(session=SessionFactory(course=naloxone, starts_at=NOW + timedelta(days=1)), user=world.officer)
    with time_machine.travel(NOW, tick=False):
        report = compliance_report(program=world.program, scope=ComplianceScope())
    officer = next(p for p in report.people if p.username == "officer")
    assert officer.standings[naloxone.pk].status == ComplianceStatus.NEVER


def test_page_shows_rates_and_command_staff(client, world, two_courses):
    naloxone, _ = two_courses
    AttendanceFactory(session=SessionFactory(course=naloxone), user=world.command)
    client.force_login(world.coordinator)
    response = client.get(reverse("training:compliance", args=[world.program.pk]))
    body = response.content.decode()
    assert "Command staff participation" in body
    assert "1/1" in body  # command staff who attended in the past 12 months
    assert world.command.get_full_name() in body
    assert ">Never taken<" in body


def test_filters_narrow_the_people_list(client, world, two_courses):
    client.force_login(world.coordinator)
    url = reverse("training:compliance", args=[world.program.pk])
    response = client.get(url, {"role": "dispatcher"})
    assert [p.username for p, _ in response.context["rows"]] == ["dispatcher"]
    response = client.get(url, {"agency": world.sheriff.pk})
    assert [p.username for p, _ in response.context["rows"]] == ["deputy"]
    response = client.get(url, {"page": "999", "unit": "x", "role": "pilot", "agency": "-1"})
    assert response.status_code == 200


def _bulk_people(world, n: int, courses) -> None:
    """`n` more officers in four units of two agencies, each with a mixed attendance history."""
    units = [UnitFactory(agency=agency) for agency in (world.police, world.sheriff) for _ in range(2)]
    users = User.objects.bulk_create([User(username=f"bulk{i}", email=f"bulk{i}@example.org") for i in range(n)])
    Membership.objects.bulk_create(
        [Membership(user=u, agency=units[i % 4].agency, unit=units[i % 4], role=Role.OFFICER) for i, u in enumerate(users)]
    )
    sessions = [
        SessionFactory(course=course, starts_at=timezone.now() - timedelta(days=30 * k + 1))
        for course in courses
        for k in range(3)
    ]
    Attendance.objects.bulk_create(
        [
            Attendance(session=s, user=u, method=AttendanceMethod.CSV)
            for i, u in enumerate(users)
            for j, s in enumerate(sessions)
            if (i + j) % 4
        ]
    )


@pytest.mark.parametrize("people", [40, 400])
def test_compliance_page_query_count_does_not_grow_with_people(client, world, django_assert_max_num_queries, people):
    courses = [CourseFactory(program=world.program, refresher_months=[None, 6, 12, 24][i % 4]) for i in range(10)]
    _bulk_people(world, people, courses)
    MembershipFactory(user=world.coordinator, agency=world.sheriff, role=Role.SUPERVISOR, unit=None)
    client.force_login(world.coordinator)
    url = reverse("training:compliance", args=[world.program.pk])
    client.get(url)  # warm the session row
    # 16: the page's audit row is written in a savepoint (SAVEPOINT + RELEASE), so a refused audit write never fails it.
    with django_assert_max_num_queries(16):
        response = client.get(url, {"page": 2})
    assert response.status_code == 200
    assert response.context["report"].total.people >= people
    assert Session.objects.count() == 30


def test_core_curriculum_completers_as_of_a_date(world):
    core = [CourseFactory(program=world.program, is_core=True, title=f"Core {i}") for i in range(2)]
    extra = CourseFactory(program=world.program, is_core=False)
    CourseFactory(program=world.program, is_core=True, is_active=False, title="Retired core course")
    jan, mar = at(date(2025, 1, 10)), at(date(2025, 3, 10))
    for user, course, when in [
        (world.officer, core[0], jan),
        (world.officer, core[1], jan),
        (world.other_officer, core[0], jan),
        (world.other_officer, core[1], mar),
        (world.deputy, core[0], jan),
        (world.deputy, extra, jan),
    ]:
        AttendanceFactory(session=SessionFactory(course=course, starts_at=when), user=user)
    assert set(core_curriculum_completer_ids(program=world.program, as_of=date(2025, 2, 1))) == {world.officer.pk}
    assert set(core_curriculum_completer_ids(program=world.program, as_of=date(2025, 3, 10))) == {
        world.officer.pk,
        world.other_officer.pk,
    }
    # Usable as a subquery, for joining with per-officer referral counts.
    ids = core_curriculum_completer_ids(program=world.program, as_of=date(2025, 12, 31))
    assert list(User.objects.filter(pk__in=ids).order_by("username").values_list("username", flat=True)) == [
        "officer",
        "officer2",
    ]
    assert list(core_curriculum_completer_ids(program=world.other_program, as_of=date(2025, 12, 31))) == []
