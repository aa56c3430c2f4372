"""In real Chromium at a phone viewport: command staff open the dashboard and the leaderboard, commend an
officer from the leaderboard, and the officer sees the commendation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import browser_login
from reports.models import Commendation
from reports.tests.conftest import make_referrals

pytestmark = pytest.mark.browser


def fits_a_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_command_commends_an_officer_from_the_leaderboard_and_the_officer_sees_it(phone, browser, live_server, world):
    two_months_ago = timezone.now() - timedelta(days=62)
    make_referrals(world, world.officer, world.police, 14, 12, two_months_ago)
    make_referrals(world, world.other_officer, world.police, 3, 1, two_months_ago)

    browser_login(phone, "command", world.password)
    assert phone.get_by_role("heading", level=1).inner_text() == "Deflection dashboard"
    phone.get_by_role("img", name="Referrals and quality referrals per month").wait_for()
    assert fits_a_phone(phone)

    phone.get_by_text("Menu").tap()
    phone.get_by_role("navigation", name="Main").get_by_role("link", name="Leaderboard").tap()
    phone.get_by_role("heading", name="Leaderboard").wait_for()
    assert fits_a_phone(phone)
    name = f"{world.officer.first_name} {world.officer.last_name}"
    phone.get_by_role("link", name=f"Commend {name}").tap()
    phone.get_by_label("Commendation").fill("Patient, careful warm hand-offs all month.")
    phone.get_by_role("button", name="Save the commendation").tap()
    phone.get_by_text(f"Commendation for {world.officer} saved").wait_for()
    assert Commendation.objects.filter(officer=world.officer, written_by=world.command).exists()

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url, is_mobile=True, has_touch=True
    )
    officer = context.new_page()
    browser_login(officer, "officer", world.password)
    officer.get_by_text("Menu").tap()
    officer.get_by_role("navigation", name="Main").get_by_role("link", name="My commendations").tap()
    officer.get_by_text("Patient, careful warm hand-offs all month.").wait_for()
    assert fits_a_phone(officer)
    context.close()
