"""Access helpers: a guessed id is a 404 and leaves an audit record."""

import pytest
from django.urls import reverse

from deflection import access
from deflection.models import AuditEvent


def test_officer_sees_own_programs_only(world):
    assert list(access.programs_for(world.officer)) == [world.program]
    assert list(access.programs_for(world.outsider)) == [world.other_program]
    assert set(access.programs_for(world.administrator)) == {world.program, world.other_program}


def test_partner_agency_member_sees_the_program(world):
    assert list(access.programs_for(world.deputy)) == [world.program]
    assert list(access.programs_for(world.case_manager)) == [world.program]


@pytest.mark.parametrize("url_name", ["agency_detail", "program_detail"])
def test_other_agencys_object_is_404_and_audited(client, world, url_name):
    client.force_login(world.officer)
    target = world.outsider_agency if url_name == "agency_detail" else world.other_program
    response = client.get(reverse(url_name, args=[target.pk]))
    assert response.status_code == 404
    denied = AuditEvent.objects.get(action="access.denied")
    assert denied.actor == world.officer
    assert denied.object_id == str(target.pk)
    assert denied.outcome == "denied"


def test_own_agency_page_lists_colleagues(client, world):
    client.force_login(world.officer)
    response = client.get(reverse("agency_detail", args=[world.police.pk]))
    assert response.status_code == 200
    assert b"District 1" in response.content


def test_non_numeric_id_is_404_not_500(client, world):
    client.force_login(world.officer)
    assert client.get("/agencies/abc/").status_code == 404
    assert client.get("/programs/1%27%20or%201=1/").status_code == 404


def test_coordinator_edits_program_settings(client, world):
    client.force_login(world.coordinator)
    url = reverse("program_edit", args=[world.program.pk])
    response = client.post(
        url,
        {
            "goals": "New goals",
            "purpose": "Why",
            "pathways": ["officer_referral"],
            "time_zone": "America/New_York",
            "booking_baseline_minutes": 120,
            "first_contact_target_hours": 12,
            "warm_handoff_ack_target_minutes": 30,
            "engagement_target_days": 30,
            "assignment": world.program.assignment,
            "suppression_threshold": 15,
        },
    )
    assert response.status_code == 302
    world.program.refresh_from_db()
    assert world.program.goals == "New goals"
    assert world.program.booking_baseline_minutes == 120
    assert world.program.suppression_threshold == 15
    assert AuditEvent.objects.filter(action="program.update", object_id=str(world.program.pk)).exists()


def test_bad_program_settings_are_a_400_with_a_message(client, world):
    client.force_login(world.coordinator)
    response = client.post(
        reverse("program_edit", args=[world.program.pk]),
        {
            "goals": "x",
            "purpose": "y",
            "pathways": ["officer_referral"],
            "time_zone": "Mars/Olympus",
            "booking_baseline_minutes": -5,
            "suppression_threshold": 5,
        },
    )
    assert response.status_code == 400
    assert b"is not a known time zone" in response.content
    assert b"greater than or equal to 11" in response.content
    world.program.refresh_from_db()
    assert world.program.time_zone == "America/Chicago"


def test_officer_cannot_edit_program(client, world):
    client.force_login(world.officer)
    assert client.get(reverse("program_edit", args=[world.program.pk])).status_code == 404
