"""The instructor's roster: tick who is here, untick a mistake; only the host or a coordinator takes it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent
from training.models import Attendance, AttendanceMethod
from training.tests.factories import AttendanceFactory, SessionFactory


def post_roster(client, session, present, shown):
    return client.post(
        reverse("training:roster", args=[session.pk]),
        {"present": [str(u.pk) for u in present], "shown": [str(u.pk) for u in shown]},
    )


def test_host_ticks_people_present(client, world, session_now):
    client.force_login(world.supervisor)
    shown = [world.officer, world.other_officer, world.command]
    response = post_roster(client, session_now, [world.officer, world.command], shown)
    assert response.status_code == 302
    rows = set(Attendance.objects.values_list("user__username", "method", "recorded_by__username"))
    assert rows == {("officer", AttendanceMethod.ROSTER, "sergeant"), ("command", AttendanceMethod.ROSTER, "sergeant")}
    assert AuditEvent.objects.filter(action="training.attendance.record").count() == 2


def test_unticking_removes_a_mistake_and_people_not_shown_are_left_alone(client, world, session_now):
    AttendanceFactory(session=session_now, user=world.officer)
    AttendanceFactory(session=session_now, user=world.deputy, method=AttendanceMethod.QR)
    client.force_login(world.coordinator)
    response = post_roster(client, session_now, [], [world.officer, world.other_officer])
    assert response.status_code == 302
    assert list(Attendance.objects.values_list("user__username", flat=True)) == ["deputy"]
    removed = AuditEvent.objects.get(action="training.attendance.remove")
    assert removed.detail["user"] == world.officer.pk


def test_saving_twice_adds_nothing(client, world, session_now):
    client.force_login(world.supervisor)
    post_roster(client, session_now, [world.officer], [world.officer])
    post_roster(client, session_now, [world.officer], [world.officer])
    assert Attendance.objects.count() == 1


def test_the_roster_page_lists_program_members_and_finds_by_name(client, world, session_now):
    client.force_login(world.supervisor)
    url = reverse("training:roster", args=[session_now.pk])
    names = {m.user.username for m in client.get(url).context["candidates"]}
    assert {"officer", "officer2", "deputy", "dispatcher", "sergeant", "command"} <= names
    assert "outsider" not in names
    found = client.get(url, {"q": world.deputy.last_name}).context["candidates"]
    assert world.deputy.pk in {m.user_id for m in found}


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"present": ["abc"], "shown": ["1"]}, 400, "The roster could not be read"),
        ({"present": ["1"], "shown": []}, 400, "The roster changed while you were ticking it"),
    ],
)
def test_garbled_roster_posts_are_a_400(client, world, session_now, data, status, message):
    client.force_login(world.supervisor)
    response = client.post(reverse("training:roster", args=[session_now.pk]), data)
    assert response.status_code == status
    assert message in response.content.decode()
    assert not Attendance.objects.exists()


def test_someone_outside_the_program_cannot_be_ticked(client, world, session_now):
    client.force_login(world.supervisor)
    response = post_roster(client, session_now, [world.outsider], [world.outsider])
    assert response.status_code == 400
    assert "Someone on the roster is not a member of this program." in response.content.decode()
    assert not Attendance.objects.exists()


def test_the_roster_of_a_future_session_is_not_open_yet(client, world, course):
    session = SessionFactory(course=course, starts_at=timezone.now() + timedelta(days=2), host=world.supervisor)
    client.force_login(world.supervisor)
    response = post_roster(client, session, [world.officer], [world.officer])
    assert response.status_code == 403
    assert "The roster opens 15 minutes before the session starts." in response.content.decode()


@pytest.mark.parametrize("persona", ["officer", "command", "deputy", "outsider"])
def test_only_the_host_or_a_coordinator_takes_the_roster(client, world, session_now, persona):
    client.force_login(getattr(world, persona))
    assert client.get(reverse("training:roster", args=[session_now.pk])).status_code == 404
    assert post_roster(client, session_now, [world.officer], [world.officer]).status_code == 404
    assert not Attendance.objects.exists()
