"""The HUB flow in Chromium, at 390x844 and at a desk: present de-identified, decide, share, reveal, intervene, close.

No identity is visible before the table's decision or to a member agency the table did not assign,
checked on the pages each person sees and on the selectors behind them.
"""

import pytest

from conftest import CHROMIUM_ARGS, browser_login  # noqa: F401  (CHROMIUM_ARGS: the shared launch flags)
from deflection.models import AuditEvent
from referrals.hub import access, selectors
from referrals.hub.models import Situation, SituationStatus
from referrals.hub.tests.conftest import IDENTITY

pytestmark = pytest.mark.browser

NAME = IDENTITY["last_name"]
SIZES = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1280, "height": 900}}


@pytest.fixture(params=sorted(SIZES))
def open_as(request, browser, live_server):
    """Open a signed-in page for a user at the parametrized size; every context is closed at the end."""
    size = request.param
    contexts = []

    def open_page(world, username):
        context = browser.new_context(
            viewport=SIZES[size], base_url=live_server.url, is_mobile=size == "phone", has_touch=size == "phone"
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        browser_login(page, username, world.password)
        return page

    open_page.size = size
    yield open_page
    for context in contexts:
        context.close()


def _click(page, role, name):
    page.get_by_role(role, name=name).first.click()


def _fits(page, size):
    if size == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_hub_flow_shares_identity_only_after_the_decision_and_only_with_assigned_agencies(hub, open_as):
    presenter = open_as(hub, "casemanager")
    presenter.goto("/hub/")
    _click(presenter, "link", hub.table.name)
    _click(presenter, "link", "Present a situation")
    # Filter 2 has no field that could carry a name.
    assert presenter.locator("input[name*=name], input[name=date_of_birth]").count() == 0
    presenter.get_by_label("Presenting agency").select_option(label="Harbor Light")
    presenter.get_by_label("Recent overdose").check()
    presenter.get_by_label("Housing / homelessness").check()
    presenter.get_by_label("25–39").check()
    presenter.get_by_label("Proposed lead agency").select_option(label="Harbor Light")
    _click(presenter, "button", "Present")
    presenter.get_by_text("No one's identity is shared").wait_for()
    situation = Situation.objects.get()
    assert presenter.get_by_role("link", name="Share identity with the assigned agencies").count() == 0
    assert presenter.get_by_role("link", name="Reveal identity").count() == 0
    assert not access.may_see_identity(hub.case_manager, situation)
    _fits(presenter, open_as.size)
    presenter.goto(f"/hub/situations/{situation.pk}/identity/share/")
    presenter.get_by_text("only after the table decides the risk is acute and elevated").wait_for()

    chair = open_as(hub, "coordinator")
    chair.goto(f"/hub/situations/{situation.pk}/")
    _click(chair, "link", "Record the table's decision")
    chair.get_by_label("Acute elevated risk: share identity with the agencies below").check()
    chair.get_by_label("Lead agency").select_option(label="Harbor Light")
    chair.get_by_label("Riverside PD").check()
    _click(chair, "button", "Record the decision")
    chair.get_by_text("Acute elevated risk: intervention being agreed").wait_for()
    chair.get_by_text("Intervention due").wait_for()

    presenter.goto(f"/hub/situations/{situation.pk}/")
    _click(presenter, "link", "Share identity with the assigned agencies")
    presenter.get_by_label("First name").fill(IDENTITY["first_name"])
    presenter.get_by_label("Last name").fill(NAME)
    _click(presenter, "button", "Share with the assigned agencies")
    presenter.get_by_text("Identity shared with the assigned agencies.").wait_for()
    assert NAME not in presenter.content()  # the situation page never shows it
    _click(presenter, "link", "Reveal identity")
    presenter.get_by_text(f"{IDENTITY['first_name']} {NAME}").wait_for()
    _fits(presenter, open_as.size)

    # A member of the table that was not assigned: the sheriff's deputy.
    unassigned = open_as(hub, "deputy")
    unassigned.goto(f"/hub/situations/{situation.pk}/")
    unassigned.get_by_text("Acute elevated risk").first.wait_for()
    assert NAME not in unassigned.content()
    assert unassigned.get_by_role("link", name="Reveal identity").count() == 0
    unassigned.goto(f"/hub/situations/{situation.pk}/identity/")
    assert NAME not in unassigned.content()
    unassigned.goto(f"/hub/tables/{hub.table.pk}/")
    assert NAME not in unassigned.content()
    situation.refresh_from_db()
    assert selectors.identity_for(hub.deputy, situation) is None
    assert selectors.identity_for(hub.supervisor, situation).last_name == NAME  # assisting (police)

    _click(presenter, "link", "Back to the situation")
    _click(presenter, "link", "Record the agreed intervention")
    presenter.get_by_label("Harbor Light").check()
    presenter.get_by_label("Riverside PD").check()
    _click(presenter, "button", "Record")
    presenter.get_by_text("(within 48 hours)").wait_for()
    _click(presenter, "link", "Close")
    presenter.get_by_label("Connected to services").check()
    _click(presenter, "button", "Close")
    presenter.get_by_text("Connected to services").wait_for()
    situation.refresh_from_db()
    assert situation.status == SituationStatus.CLOSED

    reveals = AuditEvent.objects.filter(action="hub.identity.reveal", object_id=str(situation.pk))
    assert list(reveals.values_list("actor_username", flat=True)) == ["casemanager"]
    assert AuditEvent.objects.filter(
        action="access.denied", object_type="hub.situationidentity", actor_username="deputy"
    ).exists()
