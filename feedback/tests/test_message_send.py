"""A case manager messages the referring officer (/feedback/referrals/<id>/message/ and services.message_send).

Only when the consent covers it: the consent matrix decides between "sent, logged as a disclosure,
emailed as a link" and a clear warning with a 403.
"""

import uuid

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from deflection.errors import ServiceError
from deflection.models import AuditEvent, OutboxMessage
from feedback import services
from feedback.models import CaseManagerMessage, DeliveryStatus
from feedback.tests.conftest import CONSENT_STATES, RECIPIENTS, consent_allows
from referrals.disclosure import ENGAGED_ONLY_WARNING, NO_CONSENT_WARNING
from referrals.models import DisclosureLevel

TEXT = "Thank you, she is in residential treatment."


def _post(client, referral, text=TEXT, key=None):
    return client.post(
        reverse("feedback:message_new", args=[referral.pk]), {"text": text, "idempotency_key": str(key or uuid.uuid4())}
    )


@pytest.mark.parametrize("state", CONSENT_STATES)
@pytest.mark.parametrize("recipient", RECIPIENTS)
def test_a_message_goes_only_where_the_consent_allows(client, world, referral, consent_for, state, recipient):
    consent = consent_for(referral, state, recipient)
    client.force_login(world.case_manager)
    page = client.get(reverse("feedback:message_new", args=[referral.pk])).content.decode()
    response = _post(client, referral)
    disclosures = AuditEvent.objects.filter(
        action="disclosure", object_type="referrals.participant", object_id=str(referral.participant_id)
    )
    if consent_allows(state, recipient):
        assert "Send to the officer" in page
        assert response.status_code == 302
        message = CaseManagerMessage.objects.get()
        assert (message.officer, message.sender, message.consent, message.text) == (
            world.officer,
            world.case_manager,
            consent,
            TEXT,
        )
        record = disclosures.get()
        assert record.actor == world.case_manager
        assert record.detail["channel"] == "message"
        assert record.detail["consent"] == consent.pk
        assert record.detail["recipient_user"] == world.officer.pk
        assert record.detail["referral"] == referral.pk
        assert TEXT not in str(record.detail)
        assert OutboxMessage.objects.get().kwargs == {"message_id": message.pk}
    else:
        assert escape(NO_CONSENT_WARNING) in page and "Send to the officer" not in page
        assert response.status_code == 403
        assert escape(NO_CONSENT_WARNING) in response.content.decode()
        assert not CaseManagerMessage.objects.exists()
        assert not disclosures.exists() and not OutboxMessage.objects.exists()


def test_an_engaged_only_consent_does_not_carry_a_message(client, world, referral, consent_for):
    consent_for(referral, "active", "referring officer", level=DisclosureLevel.ENGAGED_ONLY)
    client.force_login(world.case_manager)
    response = _post(client, referral)
    assert response.status_code == 403
    assert escape(ENGAGED_ONLY_WARNING) in response.content.decode()
    assert not CaseManagerMessage.objects.exists()


def test_the_service_refuses_too_even_if_a_view_forgot_to_check(world, referral):
    with pytest.raises(ServiceError) as refused:
        services.message_send(referral=referral, sender=world.case_manager, text=TEXT, idempotency_key=uuid.uuid4())
    assert refused.value.status == 403 and refused.value.message == NO_CONSENT_WARNING
    assert refused.value.code == services.CONSENT_REQUIRED


def test_a_double_tap_sends_one_message(client, world, referral, consent_for):
    consent_for(referral, "active", "referring officer")
    client.force_login(world.case_manager)
    key = uuid.uuid4()
    assert _post(client, referral, key=key).status_code == 302
    assert _post(client, referral, key=key).status_code == 302
    assert CaseManagerMessage.objects.count() == 1
    assert AuditEvent.objects.filter(action="disclosure").count() == 1


@pytest.mark.parametrize(("text", "error"), [("", "This field is required"), ("x" * 501, "at most 500 characters")])
def test_an_empty_or_long_message_is_refused_with_a_clear_message(client, world, referral, consent_for, text, error):
    consent_for(referral, "active", "referring officer")
    client.force_login(world.case_manager)
    response = _post(client, referral, text=text)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not CaseManagerMessage.objects.exists()


@pytest.mark.parametrize("who", ["officer", "deputy", "coordinator", "outsider"])
def test_only_the_providers_case_managers_open_the_page(client, world, referral, consent_for, who):
    consent_for(referral, "active", "referring officer")
    client.force_login(getattr(world, who))
    assert client.get(reverse("feedback:message_new", args=[referral.pk])).status_code == 404
    assert _post(client, referral).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_type="referrals.referral").count() == 2
    assert not CaseManagerMessage.objects.exists()


def test_the_email_is_a_link_without_names_and_goes_out_once(client, world, referral, consent_for):
    consent_for(referral, "active", "referring officer")
    client.force_login(world.case_manager)
    _post(client, referral)
    message = CaseManagerMessage.objects.get()
    assert services.message_email_send(message_id=message.pk) is True
    assert services.message_email_send(message_id=message.pk) is False  # a redelivered task sends nothing
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [world.officer.email]
    assert f"/feedback/messages/{message.pk}/" in email.body
    for secret in (TEXT, "residential", "Casey", "Quinn", world.officer.last_name, world.case_manager.last_name):
        assert secret not in email.body and secret not in email.subject
    message.refresh_from_db()
    assert message.email_status == DeliveryStatus.SENT and message.emailed_at


def test_a_failed_email_is_handed_back_for_the_retry(world, referral, consent_for, monkeypatch):
    consent_for(referral, "active", "referring officer")
    message = services.message_send(referral=referral, sender=world.case_manager, text=TEXT, idempotency_key=uuid.uuid4())

    def smtp_down(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(services.outcomes, "send_mail", smtp_down)
    with pytest.raises(OSError):
        services.message_email_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.email_status == DeliveryStatus.PENDING
