"""Final period levels are kept in the database by their inputs (reports.levels, PublishedLevel).

A cold cache then costs a read, not the search; the stored figures are exactly what a fresh
publication from the same inputs gives, and a change of those inputs (a consent, a recount) is never
answered from an old row.
"""

from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from referrals.tests.factories import ConsentFactory
from reports.models import PublishedLevel
from reports.periods import Period
from reports.publishing import count_and_publish, months_of
from reports.tests.conftest import add_officers

TZ = "America/Chicago"


def publish_year(world, now):
    year = Period.year(2026, TZ)
    return year, count_and_publish(program=world.program, periods=[year], months=months_of(year), now=now, officers=True)[year]


def stored(program):
    return dict(PublishedLevel.objects.filter(program=program).values_list("period", "published_at"))


def test_a_final_level_is_stored_and_a_cold_cache_reads_it_back(reports_world):
    add_officers(reports_world, 6, referrals_each=3, quality_each=2)
    later = timezone.now() + timedelta(days=400)  # every window of 2026 closed
    year, first = publish_year(reports_world, later)
    rows = stored(reports_world.program)
    # The year, its quarters and its months: every level it was published from.
    assert {year.key, "2026-Q1", "2026-Q4", "2026-03", "2026-12"} <= rows.keys()
    cache.clear()
    _year, again = publish_year(reports_world, later)
    assert again.figures == first.figures
    assert stored(reports_world.program) == rows  # read back, none published and written again


def test_the_stored_publication_equals_a_fresh_one(reports_world):
    add_officers(reports_world, 6, referrals_each=3, quality_each=2)
    later = timezone.now() + timedelta(days=400)
    _year, first = publish_year(reports_world, later)
    cache.clear()
    PublishedLevel.objects.all().delete()
    _year, fresh = publish_year(reports_world, later)
    assert fresh.figures == first.figures
    # And the rows written afresh read back to the same figures.
    cache.clear()
    _year, read = publish_year(reports_world, later)
    assert read.figures == fresh.figures


def test_a_level_whose_follow_up_is_open_is_not_stored(reports_world):
    # June 2026: March's 90-day window has not closed, so neither the quarter nor the year is final.
    publish_year(reports_world, timezone.now())
    rows = stored(reports_world.program)
    assert "2026-Q1" not in rows and "2026" not in rows and "2026-03" not in rows


def test_a_new_consent_is_never_answered_from_the_stored_row(reports_world):
    """Officers' own totals depend on what they may have seen: the consent stamp is in the row's inputs."""
    world = reports_world
    later = timezone.now() + timedelta(days=400)
    publish_year(world, later)
    before = dict(PublishedLevel.objects.filter(program=world.program, period="2026-Q1").values_list("officers", "inputs"))
    referral = world.program.referrals.filter(officer=world.other_officer).first()
    ConsentFactory(
        participant=referral.participant,
        disclosing_agency=world.provider,
        recipient_officer=world.other_officer,
        witnessed_by=world.case_manager,
    )
    cache.clear()
    _year, after_consent = publish_year(world, later)
    after = dict(PublishedLevel.objects.filter(program=world.program, period="2026-Q1").values_list("officers", "inputs"))
    assert after[True] != before[True]  # published afresh from the new inputs, and the row replaced
    cache.clear()
    PublishedLevel.objects.all().delete()
    _year, fresh = publish_year(world, later)
    assert after_consent.figures == fresh.figures
