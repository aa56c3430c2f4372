"""A walk-in on phones (390 x 844) in Chromium: the front desk starts the intake, the angel places the person."""

import datetime

import pytest

from conftest import browser_login
from deflection.models import Pathway
from referrals.models import Referral
from referrals.walkin.models import WalkIn, WalkInStatus

pytestmark = pytest.mark.browser


def test_front_desk_starts_an_intake_and_the_angel_places_the_person(phone, browser, live_server, wworld):
    browser_login(phone, "dispatcher", wworld.password)
    phone.get_by_text("Menu").tap()
    phone.get_by_role("link", name="Walk-in intake").tap()
    phone.get_by_role("heading", name="Walk-in intake").wait_for()
    phone.get_by_text("is arrested or charged for asking").wait_for()  # the program's promise
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    arrived = (wworld.program.localtime() - datetime.timedelta(minutes=25)).strftime("%Y-%m-%dT%H:%M")
    phone.get_by_label("Arrival time").fill(arrived)
    phone.get_by_label("Help with substance use").check()
    phone.get_by_text("The person (optional)").tap()
    phone.get_by_label("First name").fill("Leopoldine")
    phone.get_by_label("Last name").fill("Harrowgate")
    phone.get_by_role("button", name="Start intake and page a volunteer").tap()
    phone.get_by_text("Waiting for a volunteer").wait_for()
    walkin = WalkIn.objects.get()
    assert walkin.notices.get().recipient == wworld.angel

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url, is_mobile=True, has_touch=True
    )
    angel = context.new_page()
    browser_login(angel, "angel", wworld.password)
    angel.goto("/walkin/board/")
    angel.get_by_role("link", name=walkin.reference).tap()
    angel.get_by_role("button", name="I'll take this walk-in").tap()
    angel.get_by_text("You have this walk-in.").wait_for()
    angel.get_by_label("Placed at").select_option(str(wworld.detox.pk))
    angel.get_by_role("group", name="Is the person 18 or older?").get_by_label("Yes").check()
    angel.get_by_role("group", name="Active warrant?").get_by_label("No").check()
    angel.get_by_role("button", name="Record placement").tap()
    angel.get_by_text("from arrival to placement").wait_for()
    assert angel.evaluate("document.documentElement.scrollWidth") <= 390
    walkin.refresh_from_db()
    assert walkin.status == WalkInStatus.PLACED and 24 <= walkin.minutes_to_placement <= 26
    assert f"{walkin.minutes_to_placement} minutes" in angel.locator("#walkin-clock").inner_text()
    assert walkin.referral == Referral.objects.get() and walkin.referral.pathway == Pathway.SELF_REFERRAL
    context.close()
