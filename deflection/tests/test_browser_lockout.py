"""In real Chromium at a phone viewport: a locked account is told what to do, and a coordinator
unlocks it from the page built for it."""

import pytest

from conftest import browser_login
from deflection.lockout import LOCKED_MESSAGE
from deflection.models import AuditEvent

pytestmark = pytest.mark.browser


def test_a_locked_account_is_told_what_to_do_and_a_coordinator_unlocks_it(phone, world):
    for _ in range(5):
        browser_login(phone, "Dispatcher", "wrong-password")
    browser_login(phone, "dispatcher", world.password)
    assert LOCKED_MESSAGE in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    phone.context.clear_cookies()
    browser_login(phone, "coordinator", world.password)
    phone.get_by_text("Menu").tap()
    phone.get_by_role("navigation", name="Main").get_by_role("link", name="Locked and disabled accounts").tap()
    assert phone.get_by_role("heading", level=1).inner_text() == "Locked and disabled accounts"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="Unlock dispatcher").tap()
    phone.get_by_role("status").filter(has_text="dispatcher is unlocked and can sign in again").wait_for()
    assert "No locked accounts." in phone.content()
    assert AuditEvent.objects.filter(action="account.unlock", actor_username="coordinator").exists()

    phone.context.clear_cookies()
    browser_login(phone, "DISPATCHER", world.password)
    assert phone.get_by_role("heading", level=1).inner_text() == "My training"
