"""My referrals in real Chromium at 390 x 844: cards told apart by initials, search by name and date of birth, pages."""

import pytest

from conftest import browser_login
from referrals.tests.factories import ParticipantFactory, ReferralFactory

pytestmark = pytest.mark.browser


def test_an_officer_finds_a_referral_by_name_and_pages_on_a_phone(phone, rworld):
    base = dict(program=rworld.program, officer=rworld.officer, agency=rworld.police, provider=rworld.provider)
    jamie = ReferralFactory(
        **base,
        participant=ParticipantFactory(program=rworld.program, first_name="Jamie", last_name="Doyle"),
        location="Bus station, Gate 4",
    )
    for _i in range(26):
        ReferralFactory(**base)  # newer: Jamie's card is on page 2

    browser_login(phone, "officer", rworld.password)
    phone.goto("/referrals/mine/")
    assert phone.locator("[data-reference]").count() == 25
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("link", name="Next").tap()
    card = phone.locator(f'[data-reference="{jamie.reference}"]')
    card.wait_for()
    assert "J. D." in card.inner_text() and "Bus station, Gate 4" in card.inner_text()

    phone.get_by_text("Search", exact=True).first.tap()
    phone.get_by_label("First name").fill("jamie")
    phone.get_by_label("Last name").fill("DOYLE")
    phone.get_by_label("Date of birth (with the name)").fill("1990-05-17")
    phone.get_by_role("button", name="Search").tap()
    phone.wait_for_url("**first_name=*")
    assert [phone.locator("[data-reference]").nth(0).get_attribute("data-reference")] == [jamie.reference]
    assert phone.locator("[data-reference]").count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
