"""In real Chromium at a phone viewport: an officer sends a suggestion and later reads the coordinator's answer."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from conftest import ARTIFACTS, browser_login
from feedback import services
from feedback.models import Suggestion, SuggestionStatus

pytestmark = pytest.mark.browser


def _no_horizontal_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_officer_submits_a_suggestion_and_later_sees_the_coordinators_response(phone, world):
    browser_login(phone, "officer", world.password)
    phone.goto("/feedback/suggestions/")
    phone.get_by_role("link", name="Write a suggestion").tap()
    phone.get_by_label("Your suggestion").fill("Put the referral form on the squad-car laptops.")
    _no_horizontal_scroll(phone)
    phone.get_by_role("button", name="Send suggestion").tap()
    phone.wait_for_url("**/feedback/suggestions/?sent=1")
    assert phone.get_by_role("status").inner_text().startswith("Thank you.")
    mine = phone.get_by_role("region", name="Your suggestions")
    assert "Put the referral form on the squad-car laptops." in mine.inner_text()
    assert "Not answered yet." in mine.inner_text()

    suggestion = Suggestion.objects.get()
    assert suggestion.author == world.officer
    services.suggestion_triage(
        suggestion=suggestion,
        coordinator=world.coordinator,
        status=SuggestionStatus.ADOPTED,
        response="Done: the form opens from the MDT home screen.",
    )

    phone.reload()
    mine = phone.get_by_role("region", name="Your suggestions")
    assert "Adopted" in mine.inner_text()
    assert "Done: the form opens from the MDT home screen." in mine.inner_text()
    said = phone.get_by_role("region", name="You said, we did")
    assert "Done: the form opens from the MDT home screen." in said.inner_text()
    _no_horizontal_scroll(phone)
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "feedback-suggestions-phone.png"), full_page=True)


def test_an_anonymous_suggestion_survives_an_expired_session_and_is_answered_in_public(phone, world):
    browser_login(phone, "officer", world.password)
    phone.goto("/feedback/suggestions/new/")
    text = "Weekend case managers, please."
    phone.get_by_label("Your suggestion").fill(text)
    phone.get_by_label("Send anonymously").check()
    # The session ends while the officer is still typing (30 minutes idle on the server).
    phone.context.clear_cookies(name="sessionid")
    phone.get_by_role("button", name="Send suggestion").tap()
    phone.wait_for_url("**/accounts/login/**")
    phone.get_by_label("Username").fill("officer")
    phone.get_by_label("Password").fill(world.password)
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url("**/feedback/suggestions/new/")
    # What was typed is still there (kept in this tab only).
    assert phone.get_by_label("Your suggestion").input_value() == text
    phone.get_by_label("Send anonymously").check()
    phone.get_by_role("button", name="Send suggestion").tap()
    phone.wait_for_url("**/feedback/suggestions/?sent=1")
    assert "read it tomorrow" in phone.get_by_role("status").inner_text()

    # It waits for the day's shuffled batch; the next day the beat job publishes it.
    assert not Suggestion.objects.exists()
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        assert services.anonymous_submissions_publish() == 1
    suggestion = Suggestion.objects.get()
    assert suggestion.author is None
    services.suggestion_triage(
        suggestion=suggestion,
        coordinator=world.coordinator,
        status=SuggestionStatus.UNDER_REVIEW,
        response="Talking to Harbor Light about a weekend rota.",
    )
    phone.reload()
    said = phone.get_by_role("region", name="You said, we did")
    assert text in said.inner_text() and "Talking to Harbor Light about a weekend rota." in said.inner_text()
    # The draft was cleared once the server confirmed it.
    phone.goto("/feedback/suggestions/new/")
    assert phone.get_by_label("Your suggestion").input_value() == ""


def test_coordinator_triages_on_a_phone(phone, world):
    Suggestion.objects.create(program=world.program, author=None, text="Bring peers to roll call.", submitted_on="2026-05-01")
    browser_login(phone, "coordinator", world.password)
    phone.goto("/feedback/suggestions/triage/")
    phone.get_by_role("link", name="Respond").tap()
    phone.get_by_label("Adopted").check()
    phone.get_by_role("textbox", name="Public response").fill("Peer coaches visit roll call monthly.")
    _no_horizontal_scroll(phone)
    phone.get_by_role("button", name="Save").tap()
    phone.wait_for_url("**/feedback/suggestions/triage/?status=new")
    assert Suggestion.objects.get().status == SuggestionStatus.ADOPTED


def test_signing_out_leaves_no_suggestion_draft_in_the_tab(phone, world):
    """A half-written (perhaps anonymous) suggestion must not wait in a shared laptop's tab for the next user."""
    drafts = "Object.keys(sessionStorage).filter(k => k.startsWith('draft:')).length"
    browser_login(phone, "officer", world.password)
    phone.goto("/feedback/suggestions/new/")
    phone.get_by_label("Your suggestion").fill("The night sergeant never reads the referrals.")
    assert phone.evaluate(drafts) == 1
    phone.get_by_text("Menu").click()
    phone.get_by_role("button", name="Sign out officer").click()
    phone.wait_for_url("**/accounts/login/**")
    assert phone.evaluate(drafts) == 0
    assert "night sergeant" not in phone.evaluate("JSON.stringify({...localStorage, ...sessionStorage})")
    browser_login(phone, "officer2", world.password)  # the next user of the same tab
    phone.goto("/feedback/suggestions/new/")
    assert phone.get_by_label("Your suggestion").input_value() == ""
