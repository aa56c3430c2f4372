"""Status as a state machine: Referral.move_to owns what may follow what and the derived timestamps."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import TRANSITIONS, Referral, Status, StatusChange, TransitionNotAllowed
from referrals.tests.factories import ReferralFactory


@pytest.fixture
def cm(client, rworld):
    client.force_login(rworld.case_manager)
    return client


def make_referral(rworld, **kwargs):
    defaults = {"program": rworld.program, "officer": rworld.officer, "agency": rworld.police, "provider": rworld.provider}
    return ReferralFactory(**{**defaults, **kwargs})


def test_saving_only_a_next_step_keeps_the_status_and_the_history(cm, rworld):
    """The R-000693 trap: an intake-scheduled referral, only the next step filled in, saved."""
    referral = make_referral(rworld)
    for status in (Status.CONTACTED, Status.INTAKE_SCHEDULED):
        services.referral_set_status(referral=referral, by=rworld.case_manager, status=status)
    steps_before = StatusChange.objects.filter(referral=referral).count()
    due = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = cm.post(
        reverse("referrals:detail", args=[referral.pk]),
        {"status": "", "next_step": "Drive to intake", "next_step_owner": rworld.case_manager.pk, "next_step_due": due},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.INTAKE_SCHEDULED
    assert referral.next_step == "Drive to intake"
    assert StatusChange.objects.filter(referral=referral).count() == steps_before
    assert not StatusChange.objects.filter(referral=referral, status=Status.RECEIVED).exclude(by=referral.officer).exists()


def test_status_form_opens_on_the_current_status_and_offers_only_allowed_moves(cm, rworld):
    referral = make_referral(rworld)
    services.referral_set_status(referral=referral, by=rworld.case_manager, status=Status.CONTACTED)
    response = cm.get(reverse("referrals:detail", args=[referral.pk]))
    form = response.context["form"]
    offered = [value for value, _label in form.fields["status"].choices]
    assert offered[0] == ""  # "Contacted (unchanged)", selected by default
    assert "Contacted (unchanged)" in form.fields["status"].choices[0][1]
    assert set(offered[1:]) == set(TRANSITIONS[Status.CONTACTED])
    assert Status.RECEIVED not in offered
    assert Status.RECEIVED in [v for v, _l in form.fields["correct_to"].choices]


def test_a_backward_move_is_refused_as_a_next_status(cm, rworld):
    referral = make_referral(rworld, status=Status.ENGAGED, engaged_service_kind="moud")
    response = cm.post(reverse("referrals:detail", args=[referral.pk]), {"status": Status.RECEIVED})
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == Status.ENGAGED


def test_correcting_a_mistake_needs_a_reason_and_shows_in_the_history(cm, rworld):
    referral = make_referral(rworld)
    services.referral_set_status(referral=referral, by=rworld.case_manager, status=Status.CONTACTED)
    url = reverse("referrals:detail", args=[referral.pk])
    response = cm.post(url, {"status": "", "correct_to": Status.CONTACT_ATTEMPTED})
    assert response.status_code == 400
    assert b"Say why the status is being corrected" in response.content
    response = cm.post(url, {"status": "", "correct_to": Status.CONTACT_ATTEMPTED, "note": "Wrong person answered"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.CONTACT_ATTEMPTED
    assert referral.first_contact_at is None  # the mistaken contact no longer counts
    change = StatusChange.objects.filter(referral=referral).latest("at", "pk")
    assert change.is_correction and change.note == "Wrong person answered"
    body = cm.get(url).content.decode()
    assert "Correction" in body and "Reason: Wrong person answered" in body


def test_every_listed_transition_is_allowed_and_everything_else_refused(rworld):
    user = rworld.case_manager
    at = timezone.now()
    for source, targets in TRANSITIONS.items():
        for target in Status.values:
            referral = Referral(status=source)
            if target in targets:
                change, _fields = referral.move_to(target, at=at, by=user, service_kind="moud")
                assert referral.status == target and change.status == target and not change.is_correction
            else:
                with pytest.raises(TransitionNotAllowed):
                    Referral(status=source).move_to(target, at=at, by=user, service_kind="moud")


def test_derived_timestamps_are_set_once_at_the_first_step_that_earns_them(rworld):
    referral = Referral(status=Status.RECEIVED)
    t0 = timezone.now()
    steps = [Status.CONTACT_ATTEMPTED, Status.CONTACTED, Status.INTAKE_SCHEDULED, Status.ENGAGED, Status.RETAINED_30]
    for i, status in enumerate(steps):
        kind = "moud" if status == Status.ENGAGED else ""
        referral.move_to(status, at=t0 + datetime.timedelta(hours=i), by=rworld.case_manager, service_kind=kind)
    assert referral.acknowledged_at == t0
    assert referral.first_contact_at == t0 + datetime.timedelta(hours=1)
    assert referral.engaged_at == t0 + datetime.timedelta(hours=3)
    assert referral.status_changed_at == t0 + datetime.timedelta(hours=4)
