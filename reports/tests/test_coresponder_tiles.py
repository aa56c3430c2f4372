"""The co-responder tiles on the dashboard and in the newsletter (counts: referrals/coresponder/selectors.py)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from deflection.models import ProgramType
from referrals.coresponder.models import Encounter
from reports.coresponder import coresponder_tiles
from reports.newsletter import newsletter_content
from reports.periods import Period

pytestmark = pytest.mark.django_db


@pytest.fixture
def cworld(world):
    world.program.program_types = [ProgramType.CO_RESPONDER]
    world.program.save(update_fields=["program_types"])
    return world


def _calls(world, n, **outcome):
    unit = world.officer.memberships.get().unit
    Encounter.objects.bulk_create(
        Encounter(
            program=world.program,
            logged_by=world.officer,
            agency=world.police,
            unit=unit,
            call_type="mental_health",
            occurred_at=timezone.now(),
            **outcome,
        )
        for _ in range(n)
    )


def _month(world):
    today = world.program.today()
    return Period.month(today.year, today.month, world.program.time_zone)


def test_dashboard_shows_the_coresponder_tiles_only_for_a_coresponder_program(client, cworld):
    _calls(cworld, 20, resolved_on_scene=True, arrest_avoided=True)
    _calls(cworld, 14, transported=True)
    client.force_login(cworld.command)
    url = reverse("reports:program_dashboard", args=[cworld.program.pk]) + f"?period={cworld.program.today():%Y-%m}"
    html = client.get(url).content.decode()
    assert "Co-responder calls" in html and "Co-responders: Resolved on scene" in html
    assert "Co-responders: ER visits avoided" in html
    cworld.program.program_types = []
    cworld.program.save(update_fields=["program_types"])
    assert "Co-responder calls" not in client.get(url).content.decode()


def test_every_coresponder_figure_is_suppressed(cworld):
    _calls(cworld, 20, resolved_on_scene=True, arrest_avoided=True)
    _calls(cworld, 14, transported=True)
    tiles = {tile.label: tile for tile in coresponder_tiles(program=cworld.program, period=_month(cworld))}
    assert tiles["Co-responder calls"].value == "34"
    assert tiles["Co-responders: Resolved on scene"].value == "20"
    assert tiles["Co-responders: Arrests avoided"].value == "20"
    assert tiles["Co-responders: Referrals"].value == "0"  # none is nobody: shown

    _calls(cworld, 3, er_visit_avoided=True)
    tiles = {tile.label: tile for tile in coresponder_tiles(program=cworld.program, period=_month(cworld))}
    assert tiles["Co-responders: ER visits avoided"].value == "fewer than 11"
    assert "threshold" in tiles["Co-responders: ER visits avoided"].detail
    Encounter.objects.filter(resolved_on_scene=False).delete()
    _calls(cworld, 3, resolved_on_scene=True)
    _calls(cworld, 2)
    tiles = {tile.label: tile for tile in coresponder_tiles(program=cworld.program, period=_month(cworld))}
    # 25 calls, 23 resolved on scene: the 2 not resolved could be worked out by subtraction.
    assert tiles["Co-responder calls"].value == "25"
    assert tiles["Co-responders: Resolved on scene"].value == "not shown"
    assert "subtraction" in tiles["Co-responders: Resolved on scene"].detail


def test_a_small_month_hides_every_figure_and_the_newsletter_carries_the_tiles(cworld):
    _calls(cworld, 4, resolved_on_scene=True)
    content = newsletter_content(program=cworld.program, period=_month(cworld))
    tiles = {tile.label: tile for tile in content.tiles}
    assert tiles["Co-responder calls"].value == "fewer than 11"
    assert all(tiles[label].value in ("fewer than 11", "not shown") for label in tiles if label.startswith("Co-responders:"))
