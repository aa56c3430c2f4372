"""The officer opens a case manager's message (/feedback/messages/<id>/): theirs only, only under a live consent."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent
from feedback import services
from referrals.models import DisclosureLevel

TEXT = "Thank you, she is in residential treatment."


@pytest.fixture
def message(world, referral, consent_for):
    consent = consent_for(referral, "active", "referring officer")
    message = services.message_send(referral=referral, sender=world.case_manager, text=TEXT, idempotency_key=uuid.uuid4())
    message.live_consent = consent
    return message


def test_the_officer_reads_it_with_the_notice_and_a_disclosure_record(client, world, message):
    client.force_login(world.officer)
    response = client.get(reverse("feedback:message", args=[message.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert TEXT in body and "42 CFR Part 2 notice" in body
    record = AuditEvent.objects.filter(action="disclosure", detail__channel="web").get()
    assert record.actor == world.officer and record.detail["consent"] == message.live_consent.pk
    assert record.detail["shown"] == f"case manager message {message.pk}"


@pytest.mark.parametrize("who", ["other_officer", "deputy", "supervisor", "case_manager", "coordinator"])
def test_nobody_else_opens_it(client, world, message, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("feedback:message", args=[message.pk])).status_code == 404
    denied = AuditEvent.objects.get(action="access.denied")
    assert denied.object_type == "feedback.casemanagermessage" and denied.object_id == str(message.pk)
    assert not AuditEvent.objects.filter(action="disclosure", detail__channel="web").exists()


@pytest.mark.parametrize("change", ["revoked", "expired", "narrowed"])
def test_a_consent_that_no_longer_covers_it_hides_it_on_the_next_request(client, world, message, change):
    consent = message.live_consent
    if change == "revoked":
        consent.revoked_at = timezone.now()
    elif change == "expired":
        # Two days back: expired in every time zone, whatever the program's local date is now.
        consent.expires_on = timezone.localdate() - timezone.timedelta(days=2)
    else:
        consent.level = DisclosureLevel.ENGAGED_ONLY
    consent.save(update_fields=["revoked_at", "expires_on", "level"])
    client.force_login(world.officer)
    assert client.get(reverse("feedback:message", args=[message.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_type="feedback.casemanagermessage").exists()
    assert TEXT not in client.get(reverse("feedback:feed")).content.decode()


def test_a_malformed_id_is_a_404_with_an_audit_record(client, world):
    client.force_login(world.officer)
    # A malformed id never matches the URL pattern (ids are digits only), so no view runs at all.
    assert client.get("/feedback/messages/not-a-number/").status_code == 404
    # A guessed (well-formed, unknown) id reaches the access helper: 404 and an audit record.
    assert client.get("/feedback/messages/987654321/").status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_id="987654321").exists()
