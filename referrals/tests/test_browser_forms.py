"""Forms that read well, in real Chromium at 390 x 844 (issue 12): the consent form laid out for the participant,
and focus on the error summary after a rejected submit on forms other than the referral form."""

import pytest
from django.urls import reverse

from conftest import browser_login
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from tests.test_browser_accessibility import blocking_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def referral(rworld):
    return ReferralFactory(
        program=rworld.program,
        officer=rworld.officer,
        agency=rworld.police,
        provider=rworld.provider,
        status=Status.CONTACTED,
        assigned_to=rworld.case_manager,
    )


def test_the_consent_form_shows_all_its_legal_text_and_a_one_line_name_on_a_phone(phone, rworld, referral):
    browser_login(phone, "casemanager", rworld.password)
    phone.goto(reverse("referrals:consent_new", args=[referral.pk]))
    for name in ("information_description", "purpose", "revocation_terms"):
        box = phone.locator(f'textarea[name="{name}"]')
        # nothing cut off: the box is as tall as its text, with no inner scrolling
        assert box.evaluate("el => el.scrollHeight <= el.clientHeight + 1"), name
    name = phone.get_by_label("Participant's typed name (signature)")
    assert name.evaluate("el => el.tagName") == "INPUT"
    assert name.bounding_box()["height"] < 60
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # Rejected: focus is on the error summary, which links to the missing fields.
    name.fill("Jamie Rivera")
    phone.get_by_role("button", name="Record consent").tap()
    summary = phone.locator("[data-error-summary]")
    summary.wait_for()
    assert phone.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert "Name at least one recipient" in summary.inner_text()
    assert name.input_value() == "Jamie Rivera"


def test_a_rejected_status_form_focuses_its_error_summary(phone, rworld, referral):
    browser_login(phone, "casemanager", rworld.password)
    phone.goto(reverse("referrals:detail", args=[referral.pk]))
    phone.get_by_label("Next step", exact=True).fill("Call back")  # no owner, no due date
    phone.get_by_role("button", name="Save", exact=True).tap()
    summary = phone.locator("[data-error-summary]")
    summary.wait_for()
    assert phone.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert "A next step needs an owner and a due date." in summary.inner_text()
    summary.get_by_role("link", name="Next step", exact=True).tap()
    phone.wait_for_url("**#id_next_step")


def test_the_pages_issue_12_touched_pass_axe(phone, rworld, referral):
    """Pages outside the menus that the menu crawl (tests/test_browser_accessibility.py) does not reach."""
    problems = []
    browser_login(phone, "coordinator", rworld.password)
    phone.goto(reverse("program_on_call", args=[rworld.program.pk]))
    phone.get_by_role("button", name="Add shift").tap()  # rejected: the error summary is on the page
    phone.locator("[data-error-summary]").wait_for()
    problems += blocking_violations(phone)

    phone.context.clear_cookies()
    browser_login(phone, "casemanager", rworld.password)
    phone.goto(reverse("referrals:consent_new", args=[referral.pk]))
    phone.get_by_role("button", name="Record consent").tap()
    phone.locator("[data-error-summary]").wait_for()
    problems += blocking_violations(phone)

    phone.context.clear_cookies()
    browser_login(phone, "officer", rworld.password)
    phone.goto(reverse("referrals:new"))
    problems += blocking_violations(phone)
    phone.goto(reverse("referrals:mine") + f"?q={referral.reference}")
    problems += blocking_violations(phone)
    assert not problems, "\n".join(problems)
