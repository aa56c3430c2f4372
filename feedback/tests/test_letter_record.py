"""A case manager records a participant's letter (/feedback/referrals/<id>/letter/ and services.letter_record).

Typed, or a photo or scan checked by its first bytes; nobody outside the treatment team sees it
before a coordinator approves it.
"""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from deflection.models import AuditEvent
from feedback.models import LetterPermission, LetterScan, LetterStatus, ParticipantLetter
from feedback.tests.test_highlight_upload import png_header
from feedback.uploads import MAX_UPLOAD_BYTES

PNG = png_header(800, 600)
PDF = b"%PDF-1.7\n" + b"\x00" * 64
TEXT = "To the officer who stopped that night: thank you. I am 60 days clean."


def _post(client, referral, *, text=TEXT, upload=None, permission=LetterPermission.BOTH, confirmed=True):
    data = {"text": text, "permission": permission}
    if confirmed:
        data["permission_confirmed"] = "on"
    if upload is not None:
        data["upload"] = upload
    return client.post(reverse("feedback:letter_new", args=[referral.pk]), data)


def test_a_typed_letter_waits_for_review(client, world, referral):
    client.force_login(world.case_manager)
    assert client.get(reverse("feedback:letter_new", args=[referral.pk])).status_code == 200
    response = _post(client, referral)
    assert response.status_code == 302
    letter = ParticipantLetter.objects.get()
    assert letter.status == LetterStatus.PENDING and letter.original_text == TEXT and letter.published_text == ""
    assert (letter.referral, letter.provider, letter.program, letter.recorded_by) == (
        referral,
        world.provider,
        world.program,
        world.case_manager,
    )
    record = AuditEvent.objects.get(action="feedback.letter.record")
    assert record.detail == {"referral": referral.pk, "permission": "both", "scan": False}


def test_a_scan_is_stored_encrypted_in_the_database(client, world, referral):
    client.force_login(world.case_manager)
    response = _post(client, referral, text="", upload=SimpleUploadedFile("letter.png", PNG))
    assert response.status_code == 302
    letter = ParticipantLetter.objects.get()
    assert letter.scan_type == "png" and letter.original_text == ""
    scan = LetterScan.objects.get(letter=letter)
    assert base64.b64decode(scan.data) == PNG and scan.size == len(PNG)
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM feedback_letterscan")
        stored = cursor.fetchone()[0]
    assert base64.b64encode(PNG).decode() not in stored and stored.startswith("gAAAAA")  # a Fernet token


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("letter.gif", b"GIF89a" + b"\x00" * 20, "“.gif” is not one of them"),
        ("letter.docx", b"PK\x03\x04rest", "Only PNG or JPEG images and PDF documents"),
        ("letter.pdf", b"MZ\x90\x00 a windows program", "named .pdf but its contents are a Windows program"),
        ("letter.png", PDF, "named .png but its contents are a PDF document"),
        ("letter.jpg", b"<svg onload=alert(1)>", "named .jpg but its contents are a web page or SVG"),
        ("letter.pdf", b"%PDF-" + b"\x00" * MAX_UPLOAD_BYTES, "the limit is 5 MB"),
    ],
)
def test_wrong_type_too_large_or_disguised_is_refused_with_a_clear_message(client, world, referral, name, content, message):
    client.force_login(world.case_manager)
    response = _post(client, referral, text="", upload=SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ParticipantLetter.objects.exists() and not LetterScan.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"text": ""}, "Type the letter, or upload a photo or scan of it."),
        ({"permission": ""}, "This field is required."),
        ({"confirmed": False}, "This field is required."),
    ],
)
def test_a_letter_needs_content_and_the_participants_permission(client, world, referral, overrides, message):
    client.force_login(world.case_manager)
    response = _post(client, referral, **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ParticipantLetter.objects.exists()


@pytest.mark.parametrize("who", ["officer", "other_officer", "coordinator", "outsider"])
def test_only_the_providers_case_managers_record_letters(client, world, referral, who):
    client.force_login(getattr(world, who))
    assert _post(client, referral).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(referral.pk)).exists()
    assert not ParticipantLetter.objects.exists()


def test_a_recorded_letter_is_not_visible_to_the_officer_before_approval(client, world, referral, consent_for):
    consent_for(referral, "active", "referring officer")
    client.force_login(world.case_manager)
    _post(client, referral, upload=SimpleUploadedFile("letter.png", PNG))
    letter = ParticipantLetter.objects.get()
    client.force_login(world.officer)
    assert "60 days clean" not in client.get(reverse("feedback:feed")).content.decode()
    assert client.get(reverse("feedback:letter", args=[letter.pk])).status_code == 404
    assert client.get(reverse("feedback:letter_scan", args=[letter.pk])).status_code == 404
    assert client.get(reverse("feedback:letter_review", args=[letter.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="disclosure").exists()
    assert AuditEvent.objects.filter(action="access.denied", object_type="feedback.participantletter").count() == 3
