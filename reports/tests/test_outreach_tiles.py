"""The post-overdose outreach tiles on the dashboard and in the newsletter (figures: referrals/overdose/figures.py)."""

import pytest
from django.urls import reverse

from deflection.models import ProgramType
from referrals.overdose.models import OutreachCase
from referrals.overdose.tests.conftest import record
from reports.newsletter import newsletter_content
from reports.periods import Period

pytestmark = pytest.mark.django_db


@pytest.fixture
def qworld(world):
    world.program.program_types = [ProgramType.QUICK_RESPONSE_TEAM]
    world.program.case_management_agency = world.provider
    world.program.save(update_fields=["program_types", "case_management_agency"])
    return world


def _cases(world, n):
    for i in range(n):
        record(world, first_name=f"Survivor{i}", last_name="Figures", phone=f"555-02{i:02d}", hours_ago=3)
    return OutreachCase.objects.order_by("pk")


def test_dashboard_shows_the_tiles_with_the_anchors_only_for_a_qrt_program(client, qworld):
    _cases(qworld, 12)
    client.force_login(qworld.command)
    period = qworld.program.today().strftime("%Y-%m")
    html = client.get(reverse("reports:program_dashboard", args=[qworld.program.pk]) + f"?period={period}").content.decode()
    assert "Overdose survivors reached" in html and "27% (Hamilton County QRT) to 53.5% (Massachusetts" in html
    assert "Naloxone kits left" in html and "Survivor1 " not in html
    qworld.program.program_types = []
    qworld.program.save(update_fields=["program_types"])
    html = client.get(reverse("reports:program_dashboard", args=[qworld.program.pk]) + f"?period={period}").content.decode()
    assert "Overdose survivors reached" not in html


def test_newsletter_carries_the_outreach_tiles(qworld):
    _cases(qworld, 3)
    today = qworld.program.today()
    content = newsletter_content(program=qworld.program, period=Period.month(today.year, today.month, qworld.program.time_zone))
    tiles = {tile.label: tile for tile in content.tiles}
    assert tiles["Overdose survivors reached"].value == "not shown"  # 3 cases: under the threshold
    assert "53.5%" in tiles["Overdose survivors reached"].detail
