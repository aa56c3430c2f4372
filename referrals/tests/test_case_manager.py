"""The case manager's workspace: queue, status pipeline, notices to officers, tasks, outcomes."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent
from referrals import services
from referrals.models import OfficerNotice, Referral, Status, StatusChange
from referrals.tests.factories import ConsentFactory, ReferralFactory


@pytest.fixture
def cm(client, rworld):
    client.force_login(rworld.case_manager)
    return client


def make_referral(rworld, **kwargs):
    defaults = {"program": rworld.program, "officer": rworld.officer, "agency": rworld.police, "provider": rworld.provider}
    return ReferralFactory(**{**defaults, **kwargs})


def test_other_providers_referral_is_404_and_audited(cm, rworld):
    from deflection.tests.factories import AgencyFactory

    elsewhere = make_referral(rworld, provider=AgencyFactory(kind="treatment"))
    assert cm.get(reverse("referrals:detail", args=[elsewhere.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(elsewhere.pk)).exists()
    assert elsewhere.reference not in cm.get(reverse("referrals:queue")).content.decode()


def test_officer_cannot_open_the_case_page(client, rworld):
    referral = make_referral(rworld)
    client.force_login(rworld.officer)
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404
    assert client.get(reverse("referrals:participant", args=[referral.participant_id])).status_code == 404


def test_viewing_a_case_acknowledges_it_and_audits_the_read(cm, rworld):
    referral = make_referral(rworld)
    cm.get(reverse("referrals:detail", args=[referral.pk]))
    referral.refresh_from_db()
    assert referral.acknowledged_at is not None
    assert AuditEvent.objects.filter(action="participant.view", object_id=str(referral.participant_id)).exists()


def test_status_change_records_who_when_why_and_next_step(cm, rworld):
    referral = make_referral(rworld)
    due = (timezone.now() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = cm.post(
        reverse("referrals:detail", args=[referral.pk]),
        {
            "status": Status.CONTACT_ATTEMPTED,
            "note": "No answer, left voicemail",
            "next_step": "Call again",
            "next_step_owner": rworld.case_manager.pk,
            "next_step_due": due,
        },
    )
    assert response.status_code == 302
    change = StatusChange.objects.get(referral=referral, status=Status.CONTACT_ATTEMPTED)
    assert change.by == rworld.case_manager and change.note == "No answer, left voicemail"
    referral.refresh_from_db()
    assert referral.status == Status.CONTACT_ATTEMPTED
    assert referral.next_step_owner == rworld.case_manager
    assert referral.first_contact_at is None  # an attempt is not a contact


def test_engaged_needs_a_service_and_next_step_needs_owner(cm, rworld):
    referral = make_referral(rworld, status=Status.CONTACTED)  # engaged may follow contacted, not received
    response = cm.post(reverse("referrals:detail", args=[referral.pk]), {"status": Status.ENGAGED, "next_step": "x"})
    assert response.status_code == 400
    assert b"Which treatment" in response.content
    assert b"needs an owner and a due date" in response.content
    referral.refresh_from_db()
    assert referral.status == Status.CONTACTED


def test_consented_status_change_notifies_officer_with_a_link_only(cm, rworld, django_capture_on_commit_callbacks):
    referral = make_referral(rworld, participant__first_name="Morgan", participant__last_name="Vance")
    ConsentFactory(
        participant=referral.participant,
        recipient_officer=rworld.officer,
        disclosing_agency=rworld.provider,
        witnessed_by=rworld.case_manager,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_set_status(referral=referral, by=rworld.case_manager, status=Status.CONTACTED)
    notice = OfficerNotice.objects.get()
    assert notice.officer == rworld.officer
    # The outbox published the task; run it here as the worker would (twice: it must send once).
    from referrals.tasks import email_officer_notice

    email_officer_notice(notice_id=notice.pk)
    email_officer_notice(notice_id=notice.pk)
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body + mail.outbox[0].subject
    assert "/referrals/mine/" in body
    for secret in ("Morgan", "Vance", "Contacted", "contacted"):
        assert secret not in body


def test_unconsented_status_change_sends_nothing(cm, rworld, django_capture_on_commit_callbacks):
    referral = make_referral(rworld)
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_set_status(referral=referral, by=rworld.case_manager, status=Status.CONTACTED)
    assert not OfficerNotice.objects.exists()


def test_an_invalid_task_is_a_400_with_field_errors(cm, rworld):
    referral = make_referral(rworld)
    for due in ("0001-01-01T09:00", "9999-12-31T23:00", ""):
        response = cm.post(reverse("referrals:task_add", args=[referral.pk]), {"title": "Call back", "due_at": due})
        assert response.status_code == 400
        assert b"invalid-feedback" in response.content or b"is-invalid" in response.content
    assert not referral.tasks.exists()


def test_tasks_and_outcomes(cm, rworld):
    referral = make_referral(rworld)
    due = (timezone.now() + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    cm.post(reverse("referrals:task_add", args=[referral.pk]), {"title": "Drive to intake", "due_at": due})
    assert b"Drive to intake" in cm.get(reverse("referrals:tasks")).content
    response = cm.post(
        reverse("referrals:participant", args=[referral.participant_id]),
        {"kind": "nonfatal_overdose", "occurred_on": "2199-01-01"},
    )
    assert response.status_code == 400 and b"cannot be in the future" in response.content
    cm.post(
        reverse("referrals:participant", args=[referral.participant_id]),
        {"kind": "nonfatal_overdose", "occurred_on": rworld.program.today().isoformat()},
    )
    assert referral.participant.outcomes.count() == 1


def test_status_pipeline_dates(rworld):
    referral = make_referral(rworld)
    for status in (Status.CONTACT_ATTEMPTED, Status.CONTACTED, Status.INTAKE_SCHEDULED):
        services.referral_set_status(referral=referral, by=rworld.case_manager, status=status)
    services.referral_set_status(referral=referral, by=rworld.case_manager, status=Status.ENGAGED, service_kind="moud")
    referral = Referral.objects.get(pk=referral.pk)
    assert referral.first_contact_at <= referral.engaged_at
    assert referral.engaged_service_kind == "moud"
    assert referral.status_changes.count() == 4
