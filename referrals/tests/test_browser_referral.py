"""Officer referral in real Chromium at a phone viewport: submit, offline draft, expired session."""

import pytest

from conftest import browser_login
from referrals.models import Referral

pytestmark = pytest.mark.browser


def drafts_in_browser(page) -> int:
    return page.evaluate(
        "[...Object.keys(localStorage), ...Object.keys(sessionStorage)].filter(k => k.startsWith('referral-draft')).length"
    )


def fill_referral(page, rworld, first="Jordan", last="Avery"):
    page.get_by_label("First responder / officer referral").check()
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Date of birth").fill("1990-02-03")
    page.get_by_label("Case manager follow-up").check()
    for question in ("Is the person 18 or older?", "Active warrant?"):
        group = page.locator(".yes-no", has_text=question)
        group.get_by_label("Yes" if question.startswith("Is the person") else "No").check()


def test_officer_submits_on_a_phone_and_it_lands_in_the_queue(phone, browser, live_server, rworld):
    browser_login(phone, "officer", rworld.password)
    phone.get_by_role("link", name="New referral").first.tap()
    fill_referral(phone, rworld)
    phone.get_by_text("What happens next: case manager follow-up").wait_for()
    assert not phone.get_by_text("What happens next: warm hand-off").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="Send referral").tap()
    phone.get_by_role("heading", name="Referral sent").wait_for()
    referral = Referral.objects.get()
    assert referral.reference in phone.content()
    # The draft is gone once the program acknowledged the referral.
    assert drafts_in_browser(phone) == 0

    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    desk = context.new_page()
    browser_login(desk, "casemanager", rworld.password)
    desk.goto("/referrals/queue/")
    assert referral.reference in desk.content()
    assert "Jordan Avery" in desk.content()
    context.close()


def test_draft_survives_going_offline_and_a_reload(phone, rworld):
    browser_login(phone, "officer", rworld.password)
    phone.goto("/referrals/new/")
    fill_referral(phone, rworld, first="Offline", last="Draft")
    phone.context.set_offline(True)
    phone.get_by_role("button", name="Send referral").tap()
    phone.get_by_text("No signal").wait_for()
    phone.context.set_offline(False)
    phone.reload()
    phone.get_by_text("Your unsent draft was restored.").wait_for()
    assert phone.get_by_label("First name").input_value() == "Offline"
    assert phone.get_by_label("Case manager follow-up").is_checked()
    phone.get_by_role("button", name="Send referral").tap()
    phone.get_by_role("heading", name="Referral sent").wait_for()
    assert Referral.objects.count() == 1


def test_expired_session_says_nothing_was_sent_and_signing_in_sends_the_draft(phone, rworld):
    browser_login(phone, "officer", rworld.password)
    phone.goto("/referrals/new/")
    fill_referral(phone, rworld, first="Expired", last="Session")
    key_before = phone.locator("input[name=idempotency_key]").input_value()
    phone.context.clear_cookies(name="sessionid")  # the session is gone, as after 30 idle minutes
    phone.get_by_role("button", name="Send referral").tap()
    phone.wait_for_url("**/accounts/login/**")
    phone.get_by_text("your referral was not sent. Your draft is safe").wait_for()
    assert not Referral.objects.exists()
    phone.get_by_label("Username").fill("officer")
    phone.get_by_label("Password").fill(rworld.password)
    phone.get_by_role("button", name="Sign in").click()
    phone.get_by_role("heading", name="Referral sent").wait_for()
    referral = Referral.objects.get()
    assert str(referral.idempotency_key) == key_before
    assert referral.participant.first_name == "Expired"


def test_after_a_rejected_send_focus_is_on_the_error_summary(phone, rworld):
    browser_login(phone, "officer", rworld.password)
    phone.goto("/referrals/new/")
    phone.get_by_label("First name").fill("Missing")  # no pathway, no hand-off, no answers
    phone.get_by_role("button", name="Send referral").tap()
    phone.locator("#error-summary").wait_for()
    assert phone.evaluate("document.activeElement.id") == "error-summary"
    assert phone.get_by_label("First name").input_value() == "Missing"


def test_double_tap_sends_one_referral(phone, rworld):
    browser_login(phone, "officer", rworld.password)
    phone.goto("/referrals/new/")
    fill_referral(phone, rworld)
    phone.get_by_role("button", name="Send referral").dblclick()
    phone.get_by_role("heading", name="Referral sent").wait_for()
    assert Referral.objects.count() == 1


def test_back_and_send_makes_one_referral(phone, rworld):
    browser_login(phone, "officer", rworld.password)
    phone.goto("/referrals/new/")
    fill_referral(phone, rworld, first="Backand", last="Sendtwice")
    phone.get_by_role("button", name="Send referral").tap()
    phone.get_by_role("heading", name="Referral sent").wait_for()
    phone.go_back()
    phone.get_by_role("button", name="Send referral").wait_for()
    assert phone.get_by_label("First name").input_value() == "Backand"  # Chromium refills the fields
    phone.get_by_role("button", name="Send referral").tap()
    phone.get_by_role("heading", name="Referral sent").wait_for()
    assert Referral.objects.count() == 1


def test_signing_out_leaves_no_draft_in_the_browser(phone, rworld):
    browser_login(phone, "officer", rworld.password)
    phone.goto("/referrals/new/")
    fill_referral(phone, rworld, first="Shared", last="Laptop")
    assert drafts_in_browser(phone) == 1
    phone.get_by_text("Menu").click()
    phone.get_by_role("button", name="Sign out officer").click()
    phone.wait_for_url("**/accounts/login/**")
    assert drafts_in_browser(phone) == 0
    assert "Shared" not in phone.evaluate("JSON.stringify({...localStorage, ...sessionStorage})")
    browser_login(phone, "officer", rworld.password)
    phone.goto("/referrals/new/")
    assert phone.get_by_label("First name").input_value() == ""


def test_the_draft_lives_only_in_the_tab_session(phone, rworld):
    browser_login(phone, "officer", rworld.password)
    phone.goto("/referrals/new/")
    fill_referral(phone, rworld, first="Tabonly", last="Person")
    assert phone.evaluate("Object.keys(localStorage).filter(k => k.startsWith('referral-draft')).length") == 0
    other = phone.context.new_page()  # a new tab (or a later browser session) gets no draft
    other.goto("/referrals/new/")
    assert other.get_by_label("First name").input_value() == ""
    other.close()
