"""Issue 12's case work in real Chromium at 390 x 844: the worklist by assignee, reassigning, escalations, and a warm
hand-off that offers only providers that take one."""

import datetime

import pytest
from django.utils import timezone

from conftest import browser_login
from deflection.models import Role
from deflection.tests.factories import MembershipFactory, UserFactory
from referrals.clocks.engine import escalations_run
from referrals.clocks.referral_clocks import WARM_ACK
from referrals.models import CapacityState, Handoff, Referral, Status
from referrals.tests.factories import ProviderServiceFactory, ReferralFactory

pytestmark = pytest.mark.browser


def test_worklist_filters_by_assignee_reassigns_and_shows_escalations_on_a_phone(phone, rworld):
    colleague = UserFactory(username="colleague", first_name="Hyacinth", last_name="Bramblecote")
    MembershipFactory(user=colleague, agency=rworld.provider, role=Role.CASE_MANAGER, badge_number="")
    now = timezone.now()
    base = dict(program=rworld.program, officer=rworld.officer, agency=rworld.police, provider=rworld.provider)
    theirs = ReferralFactory(
        **base,
        created_at=now - datetime.timedelta(hours=3),
        assigned_to=colleague,
        acknowledged_at=now,
        first_contact_at=now,
        status=Status.CONTACTED,
    )
    mine = ReferralFactory(
        **base,
        created_at=now - datetime.timedelta(hours=2),
        assigned_to=rworld.case_manager,
        acknowledged_at=now,
        first_contact_at=now,
        status=Status.CONTACTED,
    )
    waiting = ReferralFactory(
        **base,
        created_at=now - datetime.timedelta(minutes=45),
        handoff=Handoff.WARM,
        service=rworld.detox,
        assigned_to=rworld.case_manager,
    )
    escalations_run(clock=WARM_ACK, program=rworld.program)

    browser_login(phone, "casemanager", rworld.password)
    phone.goto("/referrals/queue/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    cards = phone.locator("[data-reference]")
    assert [cards.nth(i).get_attribute("data-reference") for i in range(3)] == [
        waiting.reference,
        mine.reference,
        theirs.reference,
    ]
    phone.get_by_role("link", name="1 new escalation").tap()
    phone.get_by_role("heading", name="Escalations").wait_for()
    assert waiting.reference in phone.content()

    phone.goto("/referrals/queue/")
    phone.get_by_text("Filter and search").tap()
    phone.get_by_label("Assigned to").select_option(label="Hyacinth Bramblecote")
    phone.get_by_role("button", name="Show").tap()
    phone.wait_for_url("**assignee=*")
    phone.locator(f'[data-reference="{theirs.reference}"]').wait_for()
    assert phone.locator(f'[data-reference="{mine.reference}"]').count() == 0

    phone.locator(f'[data-reference="{theirs.reference}"]').tap()
    phone.get_by_label("Assign to").select_option(label=str(rworld.case_manager))
    phone.get_by_role("button", name="Reassign").tap()
    phone.get_by_text(f"{theirs.reference} is now assigned to").wait_for()
    assert Referral.objects.get(pk=theirs.pk).assigned_to == rworld.case_manager
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_warm_handoff_offers_only_providers_that_take_one_with_room(phone, rworld):
    full = ProviderServiceFactory(agency=rworld.provider, name="Full House", capacity_state=CapacityState.FULL, open_slots=None)
    cold = ProviderServiceFactory(agency=rworld.provider, name="Walk-in Clinic", accepts_warm_handoffs=False)
    browser_login(phone, "officer", rworld.password)
    phone.goto("/referrals/new/")
    phone.get_by_label("Warm hand-off").check()
    box = phone.locator("[data-warm-providers]")
    assert box.is_visible() and "Full" in box.inner_text() and "Harbor Detox" in box.inner_text()
    select = phone.get_by_label("Destination provider")
    enabled = select.evaluate("s => [...s.options].filter(o => o.value && !o.disabled).map(o => o.value)")
    assert str(rworld.detox.pk) in enabled and str(full.pk) not in enabled and str(cold.pk) not in enabled
    phone.get_by_label("Transport to treatment").check()
    enabled = select.evaluate("s => [...s.options].filter(o => o.value && !o.disabled).map(o => o.value)")
    assert str(full.pk) in enabled and str(cold.pk) in enabled
