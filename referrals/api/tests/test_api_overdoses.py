"""Recording an overdose through the API (issues 13 and 14): the responder form's rules, the same service,
an incident number that makes retries safe, and nothing about the person in the answer."""

import datetime
import json

import pytest
from django.utils import timezone

from deflection.models import AuditEvent, ProgramType
from referrals.api.models import Scope
from referrals.api.tests.conftest import auth, badge, make_token
from referrals.models import Participant
from referrals.overdose.models import FamilyFollowUp, OutreachCase, OutreachSettings, Overdose, OverdoseSource

URL = "/api/v1/overdoses"


@pytest.fixture
def qrt(rworld):
    rworld.program.program_types = [*rworld.program.program_types, ProgramType.QUICK_RESPONSE_TEAM]
    rworld.program.save(update_fields=["program_types"])
    return rworld


@pytest.fixture
def ems_token(qrt):
    return make_token(qrt, qrt.police, scopes=[Scope.OVERDOSES_CREATE])


def body(world, **overrides) -> dict:
    data = {
        "badge_number": badge(world.officer, world.police),
        "incident_number": "EMS-2026-000042",
        "occurred_at": (timezone.now() - datetime.timedelta(hours=2)).isoformat(),
        "place": "Riverside Park, east gate",
        "fatal": False,
        "naloxone_doses": 2,
        "survivor": {"first_name": "Sam", "last_name": "Okafor", "phone": "(555) 201-3344"},
    }
    data.update(overrides)
    return data


def post(client, token, data):
    return client.post(URL, data=json.dumps(data), content_type="application/json", **auth(token))


def test_an_overdose_with_a_survivor_opens_an_outreach_case_and_names_no_one(client, qrt, ems_token):
    response = post(client, ems_token, body(qrt))
    assert response.status_code == 201, response.content
    overdose = Overdose.objects.get()
    assert response.json()["reference"] == overdose.reference
    assert response.json()["outreach_case_opened"] is True and response.json()["family_follow_up"] is False
    assert "Okafor" not in response.content.decode() and "Riverside Park" not in response.content.decode()
    assert overdose.naloxone_given and overdose.naloxone_doses == 2 and not overdose.fatal
    assert overdose.recorded_by == qrt.officer and overdose.source == OverdoseSource.IMPORT
    assert overdose.external_ref == "EMS-2026-000042"
    case = OutreachCase.objects.get(overdose=overdose)
    assert case.participant.last_name == "Okafor"
    # The clock runs from the overdose, as on the page.
    assert case.due_at == overdose.occurred_at + datetime.timedelta(hours=OutreachSettings.for_program(qrt.program).clock_hours)
    assert AuditEvent.objects.filter(action="overdose.record", object_id=str(overdose.pk)).exists()
    assert AuditEvent.objects.filter(action="api.overdose.create").exists()


def test_the_same_incident_again_is_the_same_overdose(client, qrt, ems_token):
    first = post(client, ems_token, body(qrt))
    again = post(client, ems_token, body(qrt, place="somewhere else"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Overdose.objects.count() == 1 and Participant.objects.count() == 1


def test_a_fatal_overdose_schedules_the_family_follow_up(client, qrt, ems_token):
    response = post(client, ems_token, body(qrt, fatal=True, naloxone_doses=0, survivor=None))
    assert response.status_code == 201, response.content
    assert response.json()["family_follow_up"] is True
    assert FamilyFollowUp.objects.count() == 1 and not OutreachCase.objects.exists()
    assert not Overdose.objects.get().naloxone_given


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"occurred_at": "2026-11-28T03:14:00"}, "occurred_at"),  # no UTC offset: whose 03:14?
        ({"occurred_at": (timezone.now() + datetime.timedelta(days=2)).isoformat()}, "occurred_at"),
        ({"occurred_at": "9999-12-31T23:30:00-06:00"}, "occurred_at"),
        ({"place": ""}, "place"),
        ({"naloxone_doses": -1}, "naloxone_doses"),
        ({"naloxone_doses": 500}, "naloxone_doses"),
        ({"badge_number": "NOPE-1"}, "badge_number"),
        ({"incident_number": "bad\u0000ref"}, "incident_number"),
        ({"survivor": {"first_name": "Sam"}}, "survivor.last_name"),
        ({"survivor": {"first_name": "Sam", "last_name": "O", "date_of_birth": "0001-01-01"}}, "survivor.date_of_birth"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(client, qrt, ems_token, change, field):
    response = post(client, ems_token, body(qrt, **change))
    assert response.status_code == 400, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    assert "Okafor" not in response.content.decode()
    assert not Overdose.objects.exists()


def test_a_client_without_the_scope_or_outside_a_qrt_program_is_refused(client, qrt, rworld):
    referral_only = make_token(rworld, rworld.police, scopes=[Scope.REFERRALS_CREATE])
    assert post(client, referral_only, body(rworld)).status_code == 403
    rworld.program.program_types = [t for t in rworld.program.program_types if t != ProgramType.QUICK_RESPONSE_TEAM]
    rworld.program.save(update_fields=["program_types"])
    token = make_token(rworld, rworld.police, scopes=[Scope.OVERDOSES_CREATE])
    response = post(client, token, body(rworld))
    assert response.status_code == 403
    assert not Overdose.objects.exists()
