"""/training/: the officer's own record, upcoming sessions, and the links a supervisor or coordinator needs."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from training.tests.factories import AttendanceFactory, CourseFactory, SessionFactory


def test_officer_sees_own_record_and_upcoming_sessions(client, world, course):
    AttendanceFactory(session=SessionFactory(course=course, starts_at=timezone.now() - timedelta(days=400)), user=world.officer)
    SessionFactory(course=course, starts_at=timezone.now() + timedelta(days=5), location="Roll-call room")
    SessionFactory(course=CourseFactory(program=world.other_program), starts_at=timezone.now() + timedelta(days=5))
    client.force_login(world.officer)
    response = client.get(reverse("training:mine"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "1 required course needs attention." in body
    assert ">Overdue<" in body
    assert "Roll-call room" in body and "Required for you" in body
    assert len(response.context["upcoming"]) == 1  # nothing from the other program
    assert "Training compliance" not in body
    assert "Certificate (PDF)" in body


def test_supervisor_and_coordinator_get_their_links(client, world, course):
    client.force_login(world.supervisor)
    body = client.get(reverse("training:mine")).content.decode()
    assert reverse("training:compliance", args=[world.program.pk]) in body
    assert reverse("training:import", args=[world.program.pk]) not in body
    client.force_login(world.coordinator)
    body = client.get(reverse("training:mine")).content.decode()
    assert reverse("training:import", args=[world.program.pk]) in body
    assert reverse("training:program", args=[world.program.pk]) in body


def test_host_sees_the_sessions_they_run(client, world, session_now):
    client.force_login(world.supervisor)
    response = client.get(reverse("training:mine"))
    assert [s.pk for s in response.context["hosting"]] == [session_now.pk]


def test_compliance_shortcut_goes_to_the_program(client, world):
    client.force_login(world.command)
    response = client.get(reverse("training:compliance_home"))
    assert response.status_code == 302
    assert response.url == reverse("training:compliance", args=[world.program.pk])
    client.force_login(world.officer)
    response = client.get(reverse("training:compliance_home"))
    assert response.status_code == 200
    assert "You have no program or unit to show." in response.content.decode()
