"""In real Chromium at a phone viewport, every role signs in and lands on its own home page."""

import pytest

from conftest import browser_login

pytestmark = pytest.mark.browser

HOME_HEADINGS = {
    "officer": "Hello,",
    "dispatcher": "My training",
    "supervisor": "Deflection dashboard",
    "command": "Deflection dashboard",
    "case_manager": "Worklist",
    "coordinator": "Program administration",
    "administrator": "Program administration",
}


def test_every_role_signs_in_and_sees_its_home(phone, world):
    for persona, heading in HOME_HEADINGS.items():
        user = getattr(world, persona)
        phone.context.clear_cookies()
        browser_login(phone, user.username, world.password)
        assert phone.get_by_role("heading", level=1).inner_text().startswith(heading), persona
        # Mobile first: nothing overflows a 390 px screen.
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, persona


def test_login_page_shows_system_use_notice_on_a_phone(phone, db):
    phone.goto("/accounts/login/")
    assert phone.get_by_role("complementary", name="System use notice").is_visible()


def test_another_agencys_page_is_not_found(phone, world):
    browser_login(phone, "officer", world.password)
    response = phone.goto(f"/agencies/{world.outsider_agency.pk}/")
    assert response.status == 404
    assert "Not found" in phone.content()
    response = phone.goto(f"/agencies/{world.police.pk}/")
    assert response.status == 200


def test_menu_opens_with_a_tap_and_signs_out(phone, world):
    browser_login(phone, "officer", world.password)
    phone.get_by_text("Menu").tap()
    phone.get_by_role("navigation", name="Main").get_by_role("link", name="My referrals").tap()
    assert phone.get_by_role("heading", level=1).inner_text() == "My referrals"
    phone.get_by_text("Menu").tap()
    phone.get_by_role("button", name="Sign out officer").tap()
    phone.wait_for_url("**/accounts/**")
