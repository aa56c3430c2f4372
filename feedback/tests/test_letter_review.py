"""A coordinator reviews a letter (/feedback/letters/<id>/review/ and services.letter_review): approve, redact, reject.

A redaction publishes the edited text and keeps the original (text and scan) for the provider's case
managers and the program's coordinators only; officers never see it.
"""

import base64

import pytest
from django.urls import reverse

from deflection.errors import ServiceError
from deflection.models import AuditEvent, Role
from deflection.tests.factories import MembershipFactory, UserFactory
from feedback import services
from feedback.models import FileType, LetterPermission, LetterScan, LetterStatus, ParticipantLetter
from feedback.tests.factories import ParticipantLetterFactory
from feedback.tests.test_highlight_upload import png_header

PNG = png_header(800, 600)
ORIGINAL = "Officer Diaz, thank you. Casey Quinn, bed 4 at Harbor Light, 60 days now."
REDACTED = "Officer, thank you. I am 60 days into treatment now."


@pytest.fixture
def letter(world, referral, consent_for):
    consent_for(referral, "active", "referring officer")
    world.officer.last_name = "Diaz"
    world.officer.save(update_fields=["last_name"])
    letter = ParticipantLetterFactory(
        referral=referral, recorded_by=world.case_manager, original_text=ORIGINAL, scan_type=FileType.PNG
    )
    LetterScan.objects.create(letter=letter, file_type=FileType.PNG, size=len(PNG), data=base64.b64encode(PNG).decode())
    return letter


def _review(client, letter, decision, text="", newsletter=False, note=""):
    data = {"decision": decision, "text": text, "note": note}
    if newsletter:
        data["include_in_newsletter"] = "on"
    return client.post(reverse("feedback:letter_review", args=[letter.pk]), data)


def test_the_coordinator_sees_the_original_and_approves_it(client, world, letter):
    client.force_login(world.coordinator)
    page = client.get(reverse("feedback:letter_review", args=[letter.pk])).content.decode()
    assert "Casey Quinn, bed 4" in page and "Save review" in page
    assert _review(client, letter, "approve").status_code == 302
    letter.refresh_from_db()
    assert letter.status == LetterStatus.APPROVED and letter.published_text == ORIGINAL
    assert letter.reviewed_by == world.coordinator and letter.reviewed_at
    assert AuditEvent.objects.get(action="feedback.letter.review").detail == {
        "from": "pending",
        "to": "approved",
        "newsletter": False,
    }
    client.force_login(world.officer)
    assert "bed 4 at Harbor Light" in client.get(reverse("feedback:feed")).content.decode()
    assert client.get(reverse("feedback:letter_scan", args=[letter.pk])).content == PNG


def test_redaction_hides_the_original_from_officers(client, world, letter):
    client.force_login(world.coordinator)
    assert _review(client, letter, "redact", text=REDACTED, note="Took out the name and the bed.").status_code == 302
    letter.refresh_from_db()
    assert letter.status == LetterStatus.REDACTED and letter.published_text == REDACTED
    assert letter.original_text == ORIGINAL  # kept, under restricted access

    client.force_login(world.officer)
    feed = client.get(reverse("feedback:feed")).content.decode()
    page = client.get(reverse("feedback:letter", args=[letter.pk])).content.decode()
    for body in (feed, page):
        assert REDACTED in body
        assert "bed 4" not in body and "Casey Quinn" not in body
        assert reverse("feedback:letter_scan", args=[letter.pk]) not in body
        assert reverse("feedback:letter_original_scan", args=[letter.pk]) not in body
    # The scan belongs to the original now, and the original is not for officers: 404 and an audit record each.
    for url in ("feedback:letter_scan", "feedback:letter_review", "feedback:letter_original_scan"):
        assert client.get(reverse(url, args=[letter.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=world.officer).count() == 3

    for staff in (world.case_manager, world.coordinator):
        client.force_login(staff)
        assert "Casey Quinn, bed 4" in client.get(reverse("feedback:letter_review", args=[letter.pk])).content.decode()
        assert client.get(reverse("feedback:letter_original_scan", args=[letter.pk])).content == PNG
    reads = AuditEvent.objects.filter(action="feedback.letter.original_view", object_id=str(letter.pk))
    assert set(reads.values_list("detail__what", flat=True)) == {"text", "scan"}


def test_the_case_manager_reads_but_does_not_review(client, world, letter):
    client.force_login(world.case_manager)
    page = client.get(reverse("feedback:letter_review", args=[letter.pk])).content.decode()
    assert "Casey Quinn" in page and "Save review" not in page
    assert _review(client, letter, "approve").status_code == 404
    assert ParticipantLetter.objects.get().status == LetterStatus.PENDING


def test_a_rejected_letter_reaches_nobody(client, world, letter):
    client.force_login(world.coordinator)
    _review(client, letter, "reject", note="Names another participant.")
    letter.refresh_from_db()
    assert letter.status == LetterStatus.REJECTED and letter.published_text == ""
    client.force_login(world.officer)
    assert "60 days" not in client.get(reverse("feedback:feed")).content.decode()
    assert client.get(reverse("feedback:letter", args=[letter.pk])).status_code == 404


@pytest.mark.parametrize(
    ("decision", "text", "newsletter", "message"),
    [
        ("redact", "", False, "Write the redacted text"),
        ("redact", ORIGINAL, False, "The text is unchanged"),
        ("approve", "", True, "still contains Casey, Diaz, Quinn. Redact it first."),
        ("redact", "Officer Diaz was kind to me.", True, "still contains Diaz"),
        ("reject", "", True, "A rejected letter cannot go in the newsletter."),
        ("", "", False, "This field is required."),
    ],
)
def test_review_mistakes_are_refused_with_a_clear_message(client, world, letter, decision, text, newsletter, message):
    client.force_login(world.coordinator)
    response = _review(client, letter, decision, text=text, newsletter=newsletter)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ParticipantLetter.objects.get().status == LetterStatus.PENDING


def test_the_newsletter_needs_the_participants_permission(world, letter):
    letter.permission = LetterPermission.OFFICER
    letter.save(update_fields=["permission"])
    with pytest.raises(ServiceError, match="did not allow this letter in the newsletter"):
        services.letter_review(
            letter=letter, coordinator=world.coordinator, decision="redact", text=REDACTED, include_in_newsletter=True
        )


def test_an_anonymised_redaction_goes_in_the_newsletter(world, letter):
    services.letter_review(
        letter=letter, coordinator=world.coordinator, decision="redact", text=REDACTED, include_in_newsletter=True
    )
    assert ParticipantLetter.objects.get().include_in_newsletter


@pytest.mark.parametrize("who", ["officer", "other_officer", "supervisor", "command", "deputy", "outsider"])
def test_police_roles_never_open_the_original(client, world, letter, who):
    client.force_login(getattr(world, who))
    for url in ("feedback:letter_review", "feedback:letter_original_scan"):
        assert client.get(reverse(url, args=[letter.pk])).status_code == 404
    assert client.get(reverse("feedback:letters")).status_code == 404


def test_a_coordinator_of_another_program_cannot_review(client, world, letter):
    stranger = UserFactory(username="elsewhere-coordinator")
    MembershipFactory(user=stranger, agency=world.outsider_agency, role=Role.COORDINATOR)
    client.force_login(stranger)
    assert client.get(reverse("feedback:letter_review", args=[letter.pk])).status_code == 404
    assert _review(client, letter, "approve").status_code == 404
    with pytest.raises(Exception, match="Only the program's coordinators"):
        services.letter_review(letter=letter, coordinator=stranger, decision="approve")


def test_the_review_queue_lists_pending_letters_and_the_case_managers_list_shows_outcomes(client, world, letter):
    client.force_login(world.coordinator)
    body = client.get(reverse("feedback:letters")).content.decode()
    assert f"Letter {letter.pk}" in body and "Casey" not in body  # the list holds no text
    services.letter_review(letter=letter, coordinator=world.coordinator, decision="reject", note="Names a bed.")
    client.force_login(world.case_manager)
    body = client.get(reverse("feedback:letters")).content.decode()
    assert "Rejected" in body and "Names a bed." in body


def test_an_administrator_does_not_read_participants_letters(client, world, letter):
    client.force_login(world.administrator)
    assert client.get(reverse("feedback:letters")).status_code == 404
    assert client.get(reverse("feedback:letter_review", args=[letter.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="feedback.letter.original_view").exists()
