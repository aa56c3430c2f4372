"""The officer opens an approved letter (/feedback/letters/<id>/ and its scan): theirs only, under a live consent."""

import base64

import pytest
from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent
from feedback.models import FileType, LetterPermission, LetterScan, LetterStatus
from feedback.tests.factories import ParticipantLetterFactory, approve_letter

PDF = b"%PDF-1.7\n" + b"\x00" * 64
TEXT = "Thank you for driving me to detox that night."


@pytest.fixture
def letter(world, referral, consent_for):
    consent = consent_for(referral, "active", "same agency")
    letter = ParticipantLetterFactory(
        referral=referral,
        recorded_by=world.case_manager,
        original_text=TEXT,
        scan_type=FileType.PDF,
        permission=LetterPermission.OFFICER,
    )
    LetterScan.objects.create(letter=letter, file_type=FileType.PDF, size=len(PDF), data=base64.b64encode(PDF).decode())
    approve_letter(letter, world.coordinator)
    letter.live_consent = consent
    return letter


def test_the_officer_reads_it_with_the_notice_and_each_read_is_a_disclosure(client, world, letter):
    client.force_login(world.officer)
    body = client.get(reverse("feedback:letter", args=[letter.pk])).content.decode()
    assert TEXT in body and "42 CFR Part 2 notice" in body and "Download the letter (PDF)" in body
    response = client.get(reverse("feedback:letter_scan", args=[letter.pk]))
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")  # a PDF never runs in our origin
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    shown = list(AuditEvent.objects.filter(action="disclosure", actor=world.officer).values_list("detail__shown", flat=True))
    assert shown == [f"participant letter {letter.pk}", f"participant letter {letter.pk} (scan)"]
    assert all(
        c == letter.live_consent.pk
        for c in AuditEvent.objects.filter(action="disclosure").values_list("detail__consent", flat=True)
    )


@pytest.mark.parametrize("who", ["other_officer", "deputy", "supervisor", "command", "outsider"])
def test_other_officers_get_a_404_and_an_audit_record(client, world, letter, who):
    # other_officer works at Riverside PD, the agency the consent names: still not their referral.
    client.force_login(getattr(world, who))
    for url in ("feedback:letter", "feedback:letter_scan"):
        assert client.get(reverse(url, args=[letter.pk])).status_code == 404
    denied = AuditEvent.objects.filter(action="access.denied", object_type="feedback.participantletter")
    assert denied.count() == 2 and set(denied.values_list("object_id", flat=True)) == {str(letter.pk)}
    assert not AuditEvent.objects.filter(action="disclosure").exists()


def test_a_revoked_consent_closes_the_letter_on_the_next_request(client, world, letter):
    client.force_login(world.officer)
    assert client.get(reverse("feedback:letter", args=[letter.pk])).status_code == 200
    letter.live_consent.revoked_at = timezone.now()
    letter.live_consent.save(update_fields=["revoked_at"])
    assert client.get(reverse("feedback:letter", args=[letter.pk])).status_code == 404
    assert client.get(reverse("feedback:letter_scan", args=[letter.pk])).status_code == 404


def test_a_letter_for_the_newsletter_only_is_not_the_officers(client, world, letter):
    letter.permission = LetterPermission.NEWSLETTER
    letter.save(update_fields=["permission"])
    client.force_login(world.officer)
    assert client.get(reverse("feedback:letter", args=[letter.pk])).status_code == 404


def test_a_pending_letter_is_not_the_officers_yet(client, world, letter):
    letter.status = LetterStatus.PENDING
    letter.save(update_fields=["status"])
    client.force_login(world.officer)
    assert client.get(reverse("feedback:letter", args=[letter.pk])).status_code == 404
