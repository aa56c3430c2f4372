"""A co-responder call logged on a phone (390 x 844) in Chromium, through to its referral."""

import pytest

from conftest import browser_login
from referrals.coresponder.models import Encounter
from referrals.models import Referral
from referrals.tests.test_browser_referral import fill_referral

pytestmark = pytest.mark.browser


def test_officer_logs_a_referred_call_on_a_phone_and_makes_the_referral(phone, live_server, cworld):
    browser_login(phone, "officer", cworld.password)
    phone.goto("/coresponder/")
    phone.get_by_label("Mental health crisis").check()
    phone.get_by_label("Arrest avoided").check()
    phone.get_by_label("Referred to the program").check()
    phone.get_by_role("button", name="Log the call").tap()
    phone.wait_for_url("**/referral/")
    fill_referral(phone, cworld)
    phone.get_by_role("button", name="Send referral").tap()
    phone.get_by_role("heading", name="Referral sent").wait_for()
    encounter = Encounter.objects.get()
    assert encounter.arrest_avoided and encounter.referral == Referral.objects.get()
