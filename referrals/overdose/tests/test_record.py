"""Recording an overdose: four facts, the person encrypted, the case or the family task that follows."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent
from referrals.overdose.models import CaseStatus, FamilyFollowUp, OutreachCase, Overdose

from .conftest import record

pytestmark = pytest.mark.django_db


def _post(client, user, **overrides):
    client.force_login(user)
    data = {
        "program": "",
        "occurred_at": "",
        "place": "Corner of 5th and Elm",
        "fatal": "no",
        "naloxone_given": "yes",
        "naloxone_doses": "2",
    }
    data.update(overrides)
    return client.post(reverse("overdose:new"), {k: v for k, v in data.items() if v is not None})


def _now_local(program):
    return program.localtime().strftime("%Y-%m-%dT%H:%M")


def test_officer_records_four_facts_and_no_case_without_a_person(client, qworld):
    response = _post(client, qworld.officer, program=qworld.program.pk, occurred_at=_now_local(qworld.program))
    overdose = Overdose.objects.get()
    assert response.status_code == 302 and response.url == reverse("overdose:done", args=[overdose.pk])
    assert (overdose.fatal, overdose.naloxone_given, overdose.naloxone_doses) == (False, True, 2)
    assert overdose.participant is None and not OutreachCase.objects.exists()
    assert abs((overdose.occurred_at - timezone.now()).total_seconds()) < 120  # typed in the program's wall clock
    assert AuditEvent.objects.filter(action="overdose.record", object_id=str(overdose.pk)).exists()
    assert client.get(response.url).status_code == 200


def test_identified_survivor_opens_a_case_on_the_program_clock_and_identity_is_encrypted(client, qworld):
    _post(
        client,
        qworld.officer,
        program=qworld.program.pk,
        occurred_at=_now_local(qworld.program),
        first_name="Wilhelmina",
        last_name="Ashcombe",
        phone="(555) 777-1212",
    )
    overdose = Overdose.objects.select_related("participant").get()
    case = OutreachCase.objects.get()
    assert case.participant == overdose.participant and case.status == CaseStatus.OPEN
    assert case.due_at == overdose.occurred_at + datetime.timedelta(hours=qworld.settings.clock_hours)
    with connection.cursor() as cursor:
        cursor.execute("SELECT first_name, phone FROM referrals_participant WHERE id = %s", [overdose.participant_id])
        first_name, phone = cursor.fetchone()
        cursor.execute("SELECT place FROM overdose_overdose WHERE id = %s", [overdose.pk])
        (place,) = cursor.fetchone()
    assert "Wilhelmina" not in first_name and "777" not in phone and "Elm" not in place


def test_fatal_overdose_makes_a_family_follow_up_at_four_to_six_weeks(client, qworld):
    overdose = record(qworld, fatal=True)
    task = FamilyFollowUp.objects.get(overdose=overdose)
    assert task.due_from == overdose.occurred_at + datetime.timedelta(weeks=4)
    assert task.due_until == overdose.occurred_at + datetime.timedelta(weeks=6)
    assert not OutreachCase.objects.exists()  # nobody to reach
    client.force_login(qworld.case_manager)
    page = client.get(reverse("overdose:family"))
    assert overdose.reference in page.content.decode()
    assert client.post(reverse("overdose:family_done", args=[task.pk]), {"note": "Called the sister"}).status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by == qworld.case_manager
    assert overdose.reference not in client.get(reverse("overdose:family")).content.decode()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"place": ""}, "place"),
        ({"fatal": None}, "fatal"),
        ({"naloxone_given": None}, "naloxone_given"),
        ({"naloxone_doses": ""}, "naloxone_doses"),
        ({"naloxone_doses": "-1"}, "naloxone_doses"),
        ({"naloxone_doses": "abc"}, "naloxone_doses"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "9999-12-31T23:59"}, "occurred_at"),
        ({"occurred_at": "2999-01-01T10:00"}, "occurred_at"),
        ({"first_name": "Ann"}, "last_name"),
        ({"date_of_birth": "3000-01-01"}, "date_of_birth"),
        ({"program": "²"}, "program"),
    ],
)
def test_bad_input_is_a_400_with_the_reason(client, qworld, overrides, field):
    data = {"program": qworld.program.pk, "occurred_at": _now_local(qworld.program), **overrides}
    response = _post(client, qworld.officer, **data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Overdose.objects.exists()


def test_program_of_another_user_cannot_be_chosen(client, qworld):
    response = _post(client, qworld.officer, program=qworld.other_program.pk, occurred_at=_now_local(qworld.program))
    assert response.status_code == 400 and not Overdose.objects.exists()


def test_pages_404_for_a_program_that_does_not_run_the_workflow(client, world):
    client.force_login(world.officer)
    assert client.get(reverse("overdose:new")).status_code == 404
    client.force_login(world.case_manager)
    assert client.get(reverse("overdose:queue")).status_code == 404
    assert client.get(reverse("overdose:naloxone")).status_code == 404
    client.force_login(world.coordinator)
    assert client.get(reverse("overdose:settings", args=[world.program.pk])).status_code == 404
    assert client.get(reverse("overdose:import", args=[world.program.pk])).status_code == 404


def test_menu_shows_the_workflow_only_where_it_runs(client, qworld):
    client.force_login(qworld.officer)
    assert "Record an overdose" in client.get(reverse("overdose:new")).content.decode()
    client.force_login(qworld.outsider)
    assert client.get(reverse("overdose:new")).status_code == 404


def test_officers_never_see_the_outreach_queue_or_cases(client, qworld):
    overdose = record(qworld)
    client.force_login(qworld.officer)
    assert client.get(reverse("overdose:queue")).status_code == 404
    assert client.get(reverse("overdose:case", args=[overdose.outreach_case.pk])).status_code == 404
    # The officer's confirmation page says what happens next, not who the person is.
    page = client.get(reverse("overdose:done", args=[overdose.pk])).content.decode()
    assert "Rosalind" not in page
    client.force_login(qworld.other_officer)
    assert client.get(reverse("overdose:done", args=[overdose.pk])).status_code == 404
