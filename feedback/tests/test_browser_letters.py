"""In real Chromium at 360 px: a case manager records a participant's letter with a photo, a coordinator redacts
it, and the officer reads only the redacted text (the photo stays with the original)."""

import pytest

from conftest import browser_login
from demo.feedback import demo_card_png
from feedback.models import LetterStatus, ParticipantLetter

pytestmark = pytest.mark.browser

NARROW = {"width": 360, "height": 740}
ORIGINAL = "Officer, it's Casey Quinn from bed 4. Thank you for the ride to detox."
REDACTED = "Officer, thank you for the ride to detox."


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]


def test_a_letter_is_recorded_redacted_and_read_on_phones(phone, world, referral, consent_for, tmp_path):
    consent_for(referral, "active", "referring officer")
    photo = tmp_path / "card.png"
    photo.write_bytes(demo_card_png())  # a real 240 x 150 image
    phone.set_viewport_size(NARROW)

    browser_login(phone, "casemanager", world.password)
    phone.goto(f"/feedback/referrals/{referral.pk}/letter/")
    phone.get_by_label("The letter, typed").fill(ORIGINAL)
    phone.get_by_label("Photo or scan").set_input_files(str(photo))
    phone.get_by_label("To the referring officer only").check()
    phone.get_by_label("The participant gave this permission").check()
    _fits(phone)
    phone.get_by_role("button", name="Record the letter").tap()
    phone.wait_for_url("**/feedback/letters/")
    assert "Waiting for review" in phone.get_by_role("region", name="Recorded by your agency").inner_text()
    letter = ParticipantLetter.objects.get()

    phone.context.clear_cookies()
    browser_login(phone, "coordinator", world.password)
    phone.goto("/feedback/letters/")
    phone.get_by_role("link", name=f"Review letter {letter.pk}").tap()
    scan = phone.locator("img.letter-scan")
    scan.wait_for()
    assert phone.wait_for_function("img => img.complete && img.naturalWidth === 240", arg=scan.element_handle())
    phone.get_by_label("Redact: publish the edited text below").check()
    phone.get_by_label("Text others may read").fill(REDACTED)
    _fits(phone)
    phone.get_by_role("button", name="Save review").tap()
    phone.wait_for_url("**/feedback/letters/")
    assert ParticipantLetter.objects.get().status == LetterStatus.REDACTED

    phone.context.clear_cookies()
    browser_login(phone, "officer", world.password)
    phone.goto("/feedback/feed/")
    item = phone.locator("article.feed-letter")
    assert REDACTED in item.inner_text() and "Casey" not in item.inner_text()
    assert item.get_by_role("link", name="See the letter as they wrote it").count() == 0
    _fits(phone)
