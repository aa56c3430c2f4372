"""In real Chromium at a 360 px phone viewport: a case manager messages the referring officer, and the officer
opens the outcome feed and reads the consented update and the message, each with the 42 CFR 2.32 notice."""

import datetime

import pytest
from django.utils import timezone

from conftest import ARTIFACTS, browser_login
from deflection.models import AuditEvent
from feedback.models import CaseManagerMessage
from referrals.disclosure import REDISCLOSURE_NOTICE
from referrals.models import Status, StatusChange

pytestmark = pytest.mark.browser

NARROW = {"width": 360, "height": 740}
MESSAGE = "Thank you. She is in residential treatment and doing well."


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]


@pytest.fixture
def engaged(world, referral, consent_for):
    consent_for(referral, "active", "referring officer")
    StatusChange.objects.create(
        referral=referral, status=Status.ENGAGED, by=world.case_manager, at=timezone.now() - datetime.timedelta(days=2)
    )
    return referral


def test_officer_opens_the_feed_and_sees_a_consented_update_with_the_notice(phone, world, engaged):
    phone.set_viewport_size(NARROW)
    browser_login(phone, "officer", world.password)
    phone.get_by_text("Menu").tap()
    phone.get_by_role("navigation", name="Main").get_by_role("link", name="Outcome feed").tap()
    assert phone.get_by_role("heading", level=1).inner_text() == "Outcome feed"
    update = phone.locator("article.feed-status")
    assert "Engaged in treatment" in update.inner_text()
    notice = update.get_by_text("42 CFR Part 2 notice: redisclosure prohibited")
    assert notice.is_visible()
    notice.tap()  # the full statement opens under the update
    assert REDISCLOSURE_NOTICE[:80] in update.inner_text()
    _fits(phone)
    assert AuditEvent.objects.filter(action="disclosure", actor=world.officer, detail__channel="feed").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "feedback-feed-phone.png"), full_page=True)


def test_case_manager_messages_the_officer_who_reads_it_in_the_feed(phone, world, engaged):
    phone.set_viewport_size(NARROW)
    browser_login(phone, "casemanager", world.password)
    phone.goto(f"/feedback/referrals/{engaged.pk}/message/")
    phone.get_by_label("Message to the referring officer").fill(MESSAGE)
    _fits(phone)
    phone.get_by_role("button", name="Send to the officer").tap()
    phone.wait_for_url(f"**/feedback/referrals/{engaged.pk}/message/")
    assert phone.get_by_role("status").inner_text().startswith("Sent.")
    assert CaseManagerMessage.objects.get().text == MESSAGE

    phone.context.clear_cookies()
    browser_login(phone, "officer", world.password)
    phone.goto("/feedback/feed/")
    message = phone.locator("article.feed-message")
    assert MESSAGE in message.inner_text()
    assert message.get_by_text("42 CFR Part 2 notice: redisclosure prohibited").is_visible()
    _fits(phone)
