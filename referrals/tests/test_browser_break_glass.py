"""Break-glass from the reason to the coordinator's review, and the audit review with a filter, in Chromium at 390x844."""

import pytest

from conftest import browser_login
from referrals.tests.test_break_glass import REASON, _outside_participant

pytestmark = pytest.mark.browser


def test_break_glass_from_reason_to_review_and_the_audit_review_filter(phone, browser, live_server, world):
    participant = _outside_participant(world)
    browser_login(phone, "casemanager", world.password)
    phone.goto(f"/referrals/participants/{participant.pk}/")  # outside the caseload: a 404, audited as denied
    phone.goto(f"/referrals/participants/{participant.pk}/break-glass/")
    phone.get_by_role("heading", name=f"Open record P-{participant.pk} outside your access").wait_for()
    phone.get_by_label("Why do you need this record now?").fill("because")
    phone.get_by_role("button", name="Open the record").tap()
    phone.get_by_text("Ensure this value has at least 20 characters").first.wait_for()  # summary and field
    phone.get_by_label("Why do you need this record now?").fill(REASON)
    phone.get_by_role("button", name="Open the record").tap()
    phone.get_by_text("Break-glass access until").wait_for()
    phone.get_by_role("heading", name="Referrals").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url, is_mobile=True, has_touch=True
    )
    coordinator = context.new_page()
    try:
        browser_login(coordinator, "coordinator", world.password)
        coordinator.goto("/referrals/break-glass/")
        row = coordinator.locator("tr", has_text=f"P-{participant.pk}")
        row.get_by_text(REASON).wait_for()
        assert "casemanager" in row.inner_text()

        coordinator.goto("/audit/")
        coordinator.get_by_label("Kind").select_option(label="Break-glass")
        coordinator.get_by_role("button", name="Filter").tap()
        table = coordinator.get_by_role("table", name="Audit events")
        table.get_by_text("breakglass.open").wait_for()
        assert "access.denied" not in table.inner_text()
        assert "kind=break_glass" in coordinator.url
    finally:
        context.close()
