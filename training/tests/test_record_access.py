"""Who sees whose training record: officers only their own; supervisors their unit; command their agency;
coordinators the program. Anything else is a 404 with an audit record."""

import pytest
from django.urls import reverse

from deflection.models import AuditEvent
from training.tests.factories import AttendanceFactory


def record_status(client, viewer, person):
    client.force_login(viewer)
    return client.get(reverse("training:person", args=[person.pk])).status_code


def test_officer_cannot_see_another_officers_record(client, world):
    assert record_status(client, world.officer, world.other_officer) == 404
    denied = AuditEvent.objects.get(action="access.denied")
    assert (denied.actor, denied.object_type, denied.object_id) == (
        world.officer,
        "training.record",
        str(world.other_officer.pk),
    )


def test_officer_sees_their_own_record(client, world):
    assert record_status(client, world.officer, world.officer) == 200


@pytest.mark.parametrize(
    ("viewer", "visible", "hidden"),
    [
        ("supervisor", ["officer", "other_officer", "supervisor"], ["deputy", "dispatcher", "command", "outsider"]),
        ("command", ["officer", "dispatcher", "supervisor", "coordinator"], ["deputy", "case_manager", "outsider"]),
        ("coordinator", ["officer", "deputy", "case_manager", "dispatcher"], ["outsider"]),
        ("administrator", ["officer", "deputy", "outsider"], []),
        ("dispatcher", ["dispatcher"], ["officer", "supervisor"]),
        ("deputy", ["deputy"], ["officer"]),
    ],
)
def test_each_role_sees_exactly_its_people(client, world, viewer, visible, hidden):
    for persona in visible:
        assert record_status(client, getattr(world, viewer), getattr(world, persona)) == 200, persona
    for persona in hidden:
        assert record_status(client, getattr(world, viewer), getattr(world, persona)) == 404, persona


def test_supervisor_viewing_an_officers_record_is_audited(client, world):
    client.force_login(world.supervisor)
    response = client.get(reverse("training:person", args=[world.officer.pk]))
    assert f"Training record: {world.officer.get_full_name()}" in response.content.decode()
    assert AuditEvent.objects.filter(
        action="training.record.view", actor=world.supervisor, object_id=str(world.officer.pk)
    ).exists()


@pytest.mark.parametrize("bad_id", ["abc", "99999999", "1%27%20or%201=1", "-1"])
def test_unknown_or_malformed_person_ids_are_404(client, world, bad_id):
    client.force_login(world.coordinator)
    assert client.get(f"/training/people/{bad_id}/").status_code == 404


def test_certificates_follow_the_same_rule(client, world):
    attendance = AttendanceFactory(session__course__program=world.program, user=world.other_officer)
    url = reverse("training:certificate", args=[attendance.pk])
    client.force_login(world.officer)
    assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_type="training.attendance").exists()
    client.force_login(world.supervisor)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("viewer", "status"),
    [
        ("officer", 404),
        ("dispatcher", 404),
        ("case_manager", 404),
        ("deputy", 404),
        ("outsider", 404),
        ("supervisor", 200),
        ("command", 200),
        ("coordinator", 200),
        ("administrator", 200),
    ],
)
def test_compliance_page_is_for_supervisors_command_and_coordinators(client, world, viewer, status):
    client.force_login(getattr(world, viewer))
    assert client.get(reverse("training:compliance", args=[world.program.pk])).status_code == status


@pytest.mark.parametrize(
    ("viewer", "shown", "not_shown"),
    [
        ("supervisor", {"officer", "officer2", "sergeant"}, {"deputy", "dispatcher", "command"}),
        ("command", {"officer", "officer2", "sergeant", "dispatcher", "command"}, {"deputy"}),
        ("coordinator", {"officer", "officer2", "sergeant", "dispatcher", "command", "deputy"}, set()),
    ],
)
def test_compliance_page_covers_the_viewers_scope(client, world, course, viewer, shown, not_shown):
    client.force_login(getattr(world, viewer))
    report = client.get(reverse("training:compliance", args=[world.program.pk])).context["report"]
    usernames = {p.username for p in report.people}
    assert shown <= usernames
    assert not usernames & not_shown
