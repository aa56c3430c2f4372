"""Refresher due dates: month arithmetic across month and year ends, and the program's local midnight."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from training.models import ComplianceStatus, add_months
from training.selectors import training_record
from training.tests.factories import AttendanceFactory, CourseFactory, SessionFactory

CHICAGO = ZoneInfo("America/Chicago")


@pytest.mark.parametrize(
    ("completed_on", "months", "due_on"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # clamped to a short February
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 12, 31), 1, date(2026, 1, 31)),  # across the year end
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 12, 15), 12, date(2026, 12, 15)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # a leap day has no anniversary
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2025, 10, 31), 26, date(2027, 12, 31)),
    ],
)
def test_add_months_clamps_to_the_end_of_shorter_months(completed_on, months, due_on):
    assert add_months(completed_on, months) == due_on


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2025, 1, 28), ComplianceStatus.CURRENT),  # 31 days before the due date
        (date(2025, 1, 29), ComplianceStatus.DUE_SOON),  # 30 days before
        (date(2025, 2, 28), ComplianceStatus.DUE_SOON),  # due today: not yet overdue
        (date(2025, 3, 1), ComplianceStatus.OVERDUE),
    ],
)
def test_standing_turns_due_soon_thirty_days_ahead_and_overdue_the_day_after(today, status):
    course = CourseFactory.build(refresher_months=13)
    assert course.standing(date(2024, 1, 31), today) == (status, date(2025, 2, 28))


def test_course_without_refresher_stays_completed_and_never_taken_has_no_due_date():
    course = CourseFactory.build(refresher_months=None)
    assert course.standing(date(2015, 6, 1), date(2025, 6, 1)) == (ComplianceStatus.CURRENT, None)
    assert course.standing(None, date(2025, 6, 1)) == (ComplianceStatus.NEVER, None)


def _standing_of(person):
    [record] = training_record(person=person)
    [(_, standing)] = record.standings
    return standing


def test_due_date_turns_over_at_the_programs_midnight_at_a_month_end(world):
    course = CourseFactory(program=world.program, refresher_months=1)
    session = SessionFactory(course=course, starts_at=datetime(2025, 1, 31, 9, 0, tzinfo=CHICAGO))
    AttendanceFactory(session=session, user=world.officer)

    # 05:59 UTC on 1 March is still 28 February in Chicago: due today, not overdue.
    with time_machine.travel(datetime(2025, 3, 1, 5, 59, tzinfo=UTC), tick=False):
        standing = _standing_of(world.officer)
        assert (standing.status, standing.completed_on, standing.due_on) == (
            ComplianceStatus.DUE_SOON,
            date(2025, 1, 31),
            date(2025, 2, 28),
        )
    with time_machine.travel(datetime(2025, 3, 1, 6, 1, tzinfo=UTC), tick=False):
        assert _standing_of(world.officer).status == ComplianceStatus.OVERDUE


def test_an_evening_session_on_new_years_eve_counts_for_the_old_year(world):
    course = CourseFactory(program=world.program, refresher_months=12)
    # 19:00 in Chicago on 31 December is already 1 January in UTC.
    session = SessionFactory(course=course, starts_at=datetime(2024, 12, 31, 19, 0, tzinfo=CHICAGO))
    assert session.starts_at.astimezone(UTC).date() == date(2025, 1, 1)
    AttendanceFactory(session=session, user=world.officer)

    with time_machine.travel(datetime(2025, 12, 1, 17, 0, tzinfo=UTC), tick=False):
        standing = _standing_of(world.officer)
        assert (standing.status, standing.completed_on, standing.due_on) == (
            ComplianceStatus.DUE_SOON,
            date(2024, 12, 31),
            date(2025, 12, 31),
        )
    with time_machine.travel(datetime(2026, 1, 1, 5, 30, tzinfo=UTC), tick=False):  # 23:30 on 31 Dec in Chicago
        assert _standing_of(world.officer).status == ComplianceStatus.DUE_SOON
    with time_machine.travel(datetime(2026, 1, 1, 6, 30, tzinfo=UTC), tick=False):
        assert _standing_of(world.officer).status == ComplianceStatus.OVERDUE


def test_the_latest_attendance_sets_the_due_date(world):
    course = CourseFactory(program=world.program, refresher_months=12)
    for day in (date(2023, 5, 2), date(2024, 5, 2)):
        session = SessionFactory(course=course, starts_at=datetime.combine(day, datetime.min.time(), CHICAGO).replace(hour=10))
        AttendanceFactory(session=session, user=world.officer)
    with time_machine.travel(datetime(2025, 1, 15, 12, 0, tzinfo=UTC), tick=False):
        standing = _standing_of(world.officer)
    assert (standing.status, standing.due_on) == (ComplianceStatus.CURRENT, date(2025, 5, 2))
