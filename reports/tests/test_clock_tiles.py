"""The dashboard and newsletter show each clock's rate against the program's target, suppressed as usual (issue 12)."""

from reports.dashboard import dashboard_report
from reports.newsletter import newsletter_content
from reports.periods import Period


def _tiles(report):
    return {t.label: t for t in report.tiles}


def test_dashboard_shows_each_clock_with_its_target(reports_world, frozen):
    program = reports_world.program
    march = Period.month(2026, 3, program.time_zone)
    tiles = _tiles(dashboard_report(program=program, period=march, now=frozen))
    # March: 54 referrals, all reached within 5 hours, 30 engaged within 3 days (bulk-made by the reports world)
    assert tiles["First contact in time"].value == "100%"
    assert "Target: 24 hours" in tiles["First contact in time"].detail
    assert tiles["Engaged in treatment in time"].value == "56%"
    # no warm hand-offs that month: nothing to divide by, so the tile says why it shows nothing
    warm = tiles["Warm hand-offs acknowledged in time"]
    assert not any(ch.isdigit() for ch in warm.value) and warm.detail


def test_newsletter_shows_the_clocks_too(reports_world, frozen):
    program = reports_world.program
    content = newsletter_content(program=program, period=Period.month(2026, 3, program.time_zone), now=frozen)
    assert _tiles(content)["First contact in time"].value == "100%"
