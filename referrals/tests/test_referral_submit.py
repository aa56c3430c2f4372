"""The officer's referral: one per idempotency key, clear errors, eligibility and routing."""

import datetime
import uuid

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent
from referrals.models import Participant, Referral, Status, StatusChange
from referrals.tests.conftest import referral_post

URL = reverse("referrals:new")


@pytest.fixture
def officer_client(client, rworld):
    client.force_login(rworld.officer)
    return client


def test_form_renders_pathways_checklist_and_handoff_steps(officer_client, rworld):
    response = officer_client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Is the person 18 or older?" in body
    assert "Does not block the referral" in body
    assert "What happens next" in body
    assert 'name="idempotency_key"' in body


def test_submit_creates_referral_in_the_providers_queue(officer_client, rworld):
    # Frozen clock: the form was opened exactly 4 minutes before this submit.
    with time_machine.travel(timezone.now(), tick=False):
        response = officer_client.post(URL, referral_post(rworld))
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("referrals:done", args=[referral.pk])
    assert referral.provider == rworld.provider
    assert referral.agency == rworld.police
    assert referral.status == Status.RECEIVED
    assert referral.completion_seconds == 240
    assert StatusChange.objects.filter(referral=referral, status=Status.RECEIVED).count() == 1
    assert AuditEvent.objects.filter(action="referral.create", object_id=str(referral.pk)).exists()
    done = officer_client.get(response.url)
    assert referral.reference.encode() in done.content
    assert b"(555) 000-0000" in done.content  # the warm hand-off provider's phone


def test_same_form_submitted_twice_creates_one_referral(officer_client, rworld):
    data = referral_post(rworld)
    first = officer_client.post(URL, data)
    second = officer_client.post(URL, data)
    assert Referral.objects.count() == 1
    assert first.url == second.url


def test_new_key_is_a_new_referral_of_the_same_participant(officer_client, rworld):
    officer_client.post(URL, referral_post(rworld))
    # Within 15 minutes the repeat guard asks first; the officer sends it as a new referral.
    data = referral_post(rworld, first_name="JAMIE ", idempotency_key=str(uuid.uuid4()), send_as_new="1")
    officer_client.post(URL, data)
    assert Referral.objects.count() == 2
    assert Participant.objects.count() == 1  # a re-referral, not a new person


def test_pseudonymous_participant_needs_a_description(officer_client, rworld):
    data = referral_post(rworld, no_name="on", first_name="", last_name="", date_of_birth="")
    response = officer_client.post(URL, data)
    assert response.status_code == 400
    assert b"Describe the person" in response.content
    data["description"] = "Man in his 40s, grey hoodie"
    assert officer_client.post(URL, data).status_code == 302
    participant = Participant.objects.get()
    assert participant.is_pseudonymous and participant.description == "Man in his 40s, grey hoodie"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date_of_birth": "2199-01-01"}, b"cannot be in the future"),
        ({"date_of_birth": "2999-01-01"}, b"Enter a date between 1900 and 2200."),
        ({"date_of_birth": "0001-01-01"}, b"Enter a date between 1900 and 2200."),
        ({"pathway": None}, b"Choose the pathway."),
        ({"pathway": "teleportation"}, b"Select a valid choice"),
        ({"note": "x" * 5000}, b"Keep the note under 2000 characters."),
        ({"service": "999999"}, b"not in this program&#x27;s directory"),
        ({"service": "abc"}, b"not in this program&#x27;s directory"),
        ({"date_of_birth": "not-a-date"}, b"Enter a valid date"),
        ({"idempotency_key": "nope"}, b"This form was damaged in transit."),
    ],
)
def test_bad_input_is_a_400_with_a_clear_message(officer_client, rworld, overrides, message):
    response = officer_client.post(URL, referral_post(rworld, **overrides))
    assert response.status_code == 400
    assert message in response.content
    assert Referral.objects.count() == 0


def test_html_in_a_note_is_stored_and_shown_escaped(client, officer_client, rworld):
    officer_client.post(URL, referral_post(rworld, note="<script>alert('x')</script>"))
    referral = Referral.objects.get()
    assert referral.note == "<script>alert('x')</script>"
    client.force_login(rworld.case_manager)
    body = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body


def test_failing_a_hard_criterion_explains_why_and_what_else(officer_client, rworld):
    response = officer_client.post(URL, referral_post(rworld, **{f"criterion_{rworld.adult.pk}": "no"}))
    assert response.status_code == 422
    assert b"cannot go ahead" in response.content
    assert b"Call Youth Services at (555) 400-2200." in response.content
    assert Referral.objects.count() == 0


def test_inclusive_criterion_does_not_block_and_lands_in_the_coordinators_queue(client, officer_client, rworld):
    response = officer_client.post(URL, referral_post(rworld, **{f"criterion_{rworld.warrant.pk}": "yes"}))
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.needs_justice_coordination
    client.force_login(rworld.coordinator)
    queue = client.get(reverse("referrals:justice"))
    assert referral.reference.encode() in queue.content
    assert b"Active warrant?" in queue.content


def test_warm_handoff_needs_a_destination(officer_client, rworld):
    response = officer_client.post(URL, referral_post(rworld, service=""))
    assert response.status_code == 400
    assert b"Choose where the person is going." in response.content


def test_case_manager_follow_up_without_provider_goes_to_the_program_case_managers(officer_client, rworld):
    officer_client.post(URL, referral_post(rworld, service="", handoff="case_manager_followup"))
    assert Referral.objects.get().provider == rworld.provider


def test_roles_that_do_not_refer_cannot_open_the_form(client, rworld):
    client.force_login(rworld.case_manager)
    assert client.get(URL).status_code == 404
    client.force_login(rworld.outsider)
    assert client.get(URL).status_code == 200  # an officer of another program refers to their own program


def test_officer_of_no_program_gets_404(client, db):
    from deflection.tests.factories import MembershipFactory

    membership = MembershipFactory()
    client.force_login(membership.user)
    assert client.get(URL).status_code == 404


def test_same_officer_same_person_within_15_minutes_is_asked_first(client, rworld):
    """The repeat guard: a second referral of the same person (blind index), new idempotency key."""
    url = reverse("referrals:new")
    with time_machine.travel(datetime.datetime(2026, 11, 29, 1, 14, tzinfo=datetime.UTC), tick=False):
        client.force_login(rworld.officer)
        assert client.post(url, referral_post(rworld)).status_code == 302
    with time_machine.travel(datetime.datetime(2026, 11, 29, 1, 20, tzinfo=datetime.UTC), tick=False):
        response = client.post(url, referral_post(rworld))
        assert response.status_code == 409
        body = response.content.decode()
        # Jamie Rivera, referred at 19:14 in Chicago (01:14 UTC the next day).
        assert "You referred J. R. at 19:14" in body and "Send this as a new referral" in body
        assert Referral.objects.count() == 1
        assert client.post(url, referral_post(rworld, send_as_new="1")).status_code == 302
    assert Referral.objects.count() == 2
    with time_machine.travel(datetime.datetime(2026, 11, 29, 1, 40, tzinfo=datetime.UTC), tick=False):
        client.force_login(rworld.officer)
        assert client.post(url, referral_post(rworld)).status_code == 302  # 15 minutes on: no question
    assert Referral.objects.count() == 3
