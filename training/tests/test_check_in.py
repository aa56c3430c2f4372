"""QR check-in: a signed link, valid only during the session window, once per person."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from deflection.models import AuditEvent
from training.models import Attendance, AttendanceMethod
from training.services import check_in_token
from training.tests.factories import AttendanceFactory, CourseFactory, SessionFactory

STARTS = datetime(2025, 6, 10, 14, 0, tzinfo=UTC)  # 09:00 in Chicago
ENDS = STARTS + timedelta(hours=1)


@pytest.fixture
def session(course, world):
    return SessionFactory(course=course, starts_at=STARTS, ends_at=ENDS, host=world.supervisor)


def check_in_url(session):
    return reverse("training:check_in", args=[check_in_token(session)])


def post_at(client, when, session):
    with time_machine.travel(when, tick=False):
        return client.post(check_in_url(session))


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (STARTS - timedelta(minutes=15, seconds=1), "Check-in opens at 08:45 on Jun 10"),
        (STARTS - timedelta(days=1), "Check-in opens at 08:45 on Jun 10"),
        (ENDS + timedelta(seconds=1), "This session has ended; check-in is closed."),
        (ENDS + timedelta(days=3), "This session has ended; check-in is closed."),
    ],
)
def test_check_in_is_refused_outside_the_session_window(client, world, session, when, message):
    client.force_login(world.officer)
    response = post_at(client, when, session)
    assert response.status_code == 403
    assert message in response.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("when", [STARTS - timedelta(minutes=15), STARTS, ENDS])
def test_check_in_is_accepted_from_fifteen_minutes_before_until_the_end(client, world, session, when):
    client.force_login(world.officer)
    response = post_at(client, when, session)
    assert response.status_code == 302
    assert response.url == reverse("training:mine")
    attendance = Attendance.objects.get()
    assert (attendance.session, attendance.user, attendance.method) == (session, world.officer, AttendanceMethod.QR)
    assert attendance.recorded_by == world.officer
    assert AuditEvent.objects.filter(action="training.attendance.record", object_id=str(attendance.pk)).exists()


def test_a_repeated_check_in_is_refused_and_records_nothing_more(client, world, session):
    client.force_login(world.officer)
    assert post_at(client, STARTS + timedelta(minutes=5), session).status_code == 302
    response = post_at(client, STARTS + timedelta(minutes=6), session)
    assert response.status_code == 409
    assert "You have already checked in to this session." in response.content.decode()
    assert Attendance.objects.count() == 1


def test_opening_the_link_shows_a_button_and_records_nothing(client, world, session):
    client.force_login(world.officer)
    with time_machine.travel(STARTS, tick=False):
        response = client.get(check_in_url(session))
    assert response.status_code == 200
    assert b">Check in</button>" in response.content
    assert not Attendance.objects.exists()


def test_the_link_before_the_window_says_when_it_opens(client, world, session):
    client.force_login(world.officer)
    with time_machine.travel(STARTS - timedelta(hours=2), tick=False):
        response = client.get(check_in_url(session))
    assert b"Check-in opens 15 minutes before the session starts." in response.content
    assert b">Check in</button>" not in response.content


def test_a_full_session_refuses_self_check_in(client, world, session):
    session.capacity = 1
    session.save(update_fields=["capacity"])
    AttendanceFactory(session=session, user=world.other_officer)
    client.force_login(world.officer)
    response = post_at(client, STARTS, session)
    assert response.status_code == 409
    assert "This session is full." in response.content.decode()


@pytest.mark.parametrize("token", ["garbage", "eyJzZXNzaW9uIjoxfQ:1abc:forged", "x" * 300])
def test_a_forged_or_mangled_token_is_not_found(client, world, session, token):
    client.force_login(world.officer)
    response = client.post(reverse("training:check_in", args=[token]))
    assert response.status_code == 404
    assert b"This check-in link is not valid." in response.content
    assert AuditEvent.objects.filter(action="training.check_in.bad_token", outcome="denied").exists()
    assert not Attendance.objects.exists()


def test_someone_outside_the_program_cannot_check_in(client, world, session):
    client.force_login(world.outsider)
    response = post_at(client, STARTS, session)
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_type="training.session").exists()
    assert not Attendance.objects.exists()


def test_a_partner_agency_member_can_check_in(client, world, session):
    client.force_login(world.deputy)
    assert post_at(client, STARTS, session).status_code == 302
    assert Attendance.objects.get().user == world.deputy


def test_signing_in_first_brings_the_officer_back_to_the_check_in(client, world, session):
    response = client.get(check_in_url(session))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url and "check-in" in response.url


def test_a_token_names_one_session_only(client, world, session):
    other = SessionFactory(course=CourseFactory(program=world.program), starts_at=STARTS, ends_at=ENDS)
    client.force_login(world.officer)
    post_at(client, STARTS, other)
    assert Attendance.objects.get().session == other
