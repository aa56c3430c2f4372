"""Entering an overdose on a phone (390 x 844) in Chromium, and the team reaching the survivor."""

import pytest

from conftest import browser_login
from referrals.overdose.models import CaseStatus, OutreachCase, Overdose

pytestmark = pytest.mark.browser


def test_officer_enters_an_overdose_on_a_phone_and_the_team_sees_the_case(phone, browser, live_server, qworld):
    browser_login(phone, "officer", qworld.password)
    phone.get_by_text("Menu").tap()
    phone.get_by_role("link", name="Record an overdose").tap()
    phone.get_by_role("heading", name="Record an overdose").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # The time is filled in with now; the four facts take a few taps.
    phone.get_by_label("Where", exact=True).fill("Behind 40 Canal Street")
    phone.get_by_role("group", name="Fatal?").get_by_label("No").check()
    phone.get_by_role("group", name="Naloxone given?").get_by_label("Yes").check()
    phone.get_by_label("Doses of naloxone").fill("2")
    phone.get_by_text("The person (optional)").tap()
    phone.get_by_label("First name").fill("Leopoldine")
    phone.get_by_label("Last name").fill("Harrowgate")
    phone.get_by_label("Phone", exact=True).fill("(555) 390-8440")
    phone.get_by_role("button", name="Save overdose").tap()
    phone.get_by_role("heading", name="recorded").wait_for()
    overdose = Overdose.objects.get()
    assert overdose.reference in phone.content() and "Leopoldine" not in phone.content()
    assert (overdose.fatal, overdose.naloxone_doses) == (False, 2)
    assert overdose.completion_seconds is not None and overdose.completion_seconds < 120

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url, is_mobile=True, has_touch=True
    )
    desk = context.new_page()
    browser_login(desk, "casemanager", qworld.password)
    desk.goto("/overdose/outreach/")
    desk.get_by_role("link", name=overdose.outreach_case.reference).tap()
    desk.get_by_text("Run no warrant check before a visit.").wait_for()
    desk.get_by_role("group", name="Channel").get_by_label("Phone call").check()
    desk.get_by_role("group", name="Who was reached").get_by_label("The survivor").check()
    desk.get_by_role("group", name="Result").get_by_label("Declined help").check()
    desk.get_by_role("button", name="Save attempt").tap()
    desk.get_by_text("Attempt recorded.").wait_for()
    assert desk.evaluate("document.documentElement.scrollWidth") <= 390
    assert OutreachCase.objects.get().status == CaseStatus.DECLINED
    context.close()


def test_a_missing_fact_is_shown_beside_its_field(phone, qworld):
    browser_login(phone, "officer", qworld.password)
    phone.goto("/overdose/new/")
    phone.get_by_role("group", name="Fatal?").get_by_label("No").check()
    phone.get_by_role("button", name="Save overdose").tap()
    # beside its field (exact: the error summary above the form lists it too, after the field's name)
    phone.get_by_text("Enter where it happened.", exact=True).wait_for()
    phone.get_by_text("Say whether naloxone was given.", exact=True).wait_for()
    assert phone.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert not Overdose.objects.exists()
