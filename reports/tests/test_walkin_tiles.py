"""The walk-in tiles on the dashboard and in the newsletter (figures: referrals/walkin/figures.py)."""

import pytest
from django.urls import reverse

from deflection.models import ProgramType
from referrals.tests.conftest import rworld  # noqa: F401  (fixture)
from referrals.walkin.tests.conftest import bulk, wworld  # noqa: F401  (fixture)
from reports.newsletter import newsletter_content
from reports.periods import Period

pytestmark = pytest.mark.django_db


def test_dashboard_shows_walk_ins_and_the_median_time_to_placement_only_when_the_program_runs_walk_in(client, wworld):  # noqa: F811
    bulk(wworld, day=wworld.program.today(), count=24, placed=12, minutes=52)
    client.force_login(wworld.command)
    url = reverse("reports:program_dashboard", args=[wworld.program.pk]) + f"?period={wworld.program.today():%Y-%m}"
    html = client.get(url).content.decode()
    assert "Walk-ins asking for help" in html and "52 min" in html and "12 placed." in html
    wworld.program.program_types = [ProgramType.SELF_OFFICER_REFERRAL]
    wworld.program.save(update_fields=["program_types"])
    assert "Walk-ins asking for help" not in client.get(url).content.decode()


def test_newsletter_suppresses_a_small_month(wworld):  # noqa: F811
    today = wworld.program.today()
    bulk(wworld, day=today, count=4, placed=3)
    content = newsletter_content(program=wworld.program, period=Period.month(today.year, today.month, wworld.program.time_zone))
    tiles = {tile.label: tile for tile in content.tiles}
    assert tiles["Walk-ins asking for help"].value == "fewer than 11"
    assert tiles["Median time from walk-in to placement"].value.startswith("not shown")
