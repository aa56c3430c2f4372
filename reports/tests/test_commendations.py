"""Commendations: command staff write them, the officer reads them, a coordinator picks them for the newsletter."""

from django.urls import reverse

from deflection.models import AuditEvent
from reports.models import Commendation


def commend_url(world, officer):
    return reverse("reports:commend", args=[world.program.pk, officer.pk])


def test_command_staff_commend_an_officer_and_the_officer_sees_it(client, reports_world):
    client.force_login(reports_world.command)
    response = client.post(commend_url(reports_world, reports_world.officer), {"text": "Calm, patient warm hand-off at 2 a.m."})
    assert response.status_code == 302
    commendation = Commendation.objects.get()
    assert (commendation.officer, commendation.written_by) == (reports_world.officer, reports_world.command)
    assert AuditEvent.objects.filter(action="commendation.create", object_id=str(commendation.pk)).exists()
    client.force_login(reports_world.officer)
    page = client.get(reverse("reports:my_commendations")).content.decode()
    assert "Calm, patient warm hand-off at 2 a.m." in page


def test_the_leaderboard_links_to_the_commendation_form(client, reports_world):
    client.force_login(reports_world.command)
    html = client.get(reverse("reports:leaderboard", args=[reports_world.program.pk]) + "?period=2026-03").content.decode()
    assert commend_url(reports_world, reports_world.officer) in html


def test_an_empty_commendation_is_refused_with_a_400(client, reports_world):
    client.force_login(reports_world.command)
    response = client.post(commend_url(reports_world, reports_world.officer), {"text": "   "})
    assert response.status_code == 400
    assert not Commendation.objects.exists()


def test_command_staff_cannot_commend_another_agencys_officer_or_themselves(client, reports_world):
    client.force_login(reports_world.command)
    assert client.post(commend_url(reports_world, reports_world.deputy), {"text": "Nice"}).status_code == 404
    assert client.post(commend_url(reports_world, reports_world.command), {"text": "Me"}).status_code == 404
    assert not Commendation.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied", object_type="reports.commend").count() == 2


def test_officers_and_coordinators_do_not_write_commendations(client, reports_world):
    for persona in ("officer", "coordinator", "supervisor"):
        client.force_login(getattr(reports_world, persona))
        assert client.post(commend_url(reports_world, reports_world.other_officer), {"text": "x"}).status_code == 404
    assert not Commendation.objects.exists()


def test_an_unsafe_next_url_is_ignored(client, reports_world):
    client.force_login(reports_world.command)
    response = client.post(
        commend_url(reports_world, reports_world.officer), {"text": "Good work", "next": "https://evil.example/"}
    )
    assert response.url == reverse("reports:leaderboard", args=[reports_world.program.pk])


def test_a_coordinator_chooses_a_commendation_for_the_newsletter(client, reports_world):
    commendation = Commendation.objects.create(
        program=reports_world.program, officer=reports_world.officer, written_by=reports_world.command, text="Great work"
    )
    target = reverse("reports:commendation_newsletter", args=[commendation.pk])
    client.force_login(reports_world.command)
    assert client.post(target, {"include": "1"}).status_code == 404
    client.force_login(reports_world.coordinator)
    assert client.post(target, {"include": "1"}).status_code == 302
    commendation.refresh_from_db()
    assert commendation.include_in_newsletter and commendation.marked_by == reports_world.coordinator
    page = client.get(reverse("reports:program_commendations", args=[reports_world.program.pk])).content.decode()
    assert "In the newsletter" in page
