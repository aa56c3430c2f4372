"""Final period levels are kept in the database by their inputs (reports.levels, PublishedLevel).

A cold cache then costs a read, not the search; the stored figures are exactly what a fresh
publication from the same inputs gives, and a change of those inputs (a consent, a recount) is never
answered from an old row.
"""

from datetime import UTC, datetime, timedelta

import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deflection import cache as resilient_cache
from referrals.tests.factories import ConsentFactory
from reports import services
from reports.models import PublishedLevel, RollupBuild
from reports.periods import Period
from reports.publishing import count_and_publish, months_of
from reports.tests.conftest import add_officers
from reports.tests.test_leaderboard_view import rows, url

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


# A page of final periods shown before: after a flush it is read from its stored rows alone -------------

LATER = datetime(2027, 8, 2, 12, tzinfo=UTC)  # every window of 2026 (and 2025) closed


def publish_years(world, now):
    year = Period.year(2026, TZ)
    periods = [year, year.previous()]
    return count_and_publish(program=world.program, periods=periods, months=months_of(*periods), now=now, officers=True)


def tables(queries) -> list[str]:
    return [query["sql"].split(" FROM ", 1)[-1].split()[0].strip('"') for query in queries]


def test_a_past_year_shown_before_is_read_back_after_a_flush_without_the_rollups(reports_world):
    add_officers(reports_world, 6, referrals_each=3, quality_each=2)
    first = publish_years(reports_world, LATER)
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        again = publish_years(reports_world, LATER)
    for key in ("2026", "2025"):
        assert again.published[key].figures == first.published[key].figures
        assert again.published[key].referrals == first.published[key].referrals
    read = tables(cold.captured_queries)
    assert "reports_monthrollup" not in read  # neither counts nor officer totals loaded again
    assert read.count("reports_publishedlevel") == 1  # both years in one read, nothing written
    assert not any(query["sql"].startswith(("INSERT", "UPDATE")) for query in cold.captured_queries)


def test_stored_referral_totals_follow_their_inputs(reports_world):
    """A recount (another officer's referrals counted in) names new inputs: never the old totals."""
    publish_years(reports_world, LATER)
    add_officers(reports_world, 3, referrals_each=4, quality_each=2)
    # The months are counted again only when asked to (the rollups are final): count March afresh.
    RollupBuild.objects.filter(program=reports_world.program).delete()
    cache.clear()
    recounted = LATER + timedelta(hours=1)  # counted again an hour later: the build stamps name the counts
    counted = publish_years(reports_world, recounted)
    cache.clear()
    again = publish_years(reports_world, recounted)
    assert again.published["2026"].referrals == counted.published["2026"].referrals
    assert counted.published["2026"].referrals[("program", None)] == 30 + 4 + 20 + 25 + 3 * 4


def test_the_cold_leaderboard_of_a_past_year_runs_a_fixed_number_of_queries(client, reports_world, django_assert_max_num_queries):
    target = url(reports_world, period="2026")
    with time_machine.travel(LATER, tick=False):
        client.force_login(reports_world.coordinator)  # a session of that day
        shown = rows(client.get(target).content.decode())  # published, and stored with its referral totals
        assert shown
        cache.clear()
        with django_assert_max_num_queries(30) as few:
            assert rows(client.get(target).content.decode()) == shown
        assert "reports_monthrollup" not in tables(few.captured_queries)
    add_officers(reports_world, 30)
    RollupBuild.objects.filter(program=reports_world.program).delete()  # the months counted again, with them
    with time_machine.travel(LATER + timedelta(hours=1), tick=False):
        client.force_login(reports_world.coordinator)
        many_rows = rows(client.get(target).content.decode())
        cache.clear()
        with django_assert_max_num_queries(30) as many:
            assert rows(client.get(target).content.decode()) == many_rows
    assert len(many_rows) > len(shown)
    assert len(many) == len(few)
    assert "reports_monthrollup" not in tables(many.captured_queries)


def test_the_cold_leaderboard_of_a_past_year_needs_no_redis(client, reports_world, settings):
    target = url(reports_world, period="2026")
    with time_machine.travel(LATER, tick=False):
        client.force_login(reports_world.coordinator)
        shown = rows(client.get(target).content.decode())
        assert shown
        dead = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
        try:
            with override_settings(CACHES=dead):
                resilient_cache._local.clear()  # nothing this process kept from before the outage
                with CaptureQueriesContext(connection) as cold:
                    assert rows(client.get(target).content.decode()) == shown
        finally:
            resilient_cache.circuit.reset()
    assert "reports_monthrollup" not in tables(cold.captured_queries)


def test_the_hourly_warming_leaves_a_past_year_readable_without_the_rollups(client, reports_world):
    """Beat's warming (reports.services.reports_warm) publishes each period and keeps final ones with their
    totals: the first view after a flush, with nobody having opened that year, reads the stored rows."""
    target = url(reports_world, period="2026")
    with time_machine.travel(LATER, tick=False):
        assert services.reports_warm(program_id=reports_world.program.pk) > 0
        assert services.reports_warm(program_id=reports_world.program.pk) > 0  # again: nothing more to keep
        cache.clear()
        client.force_login(reports_world.coordinator)
        with CaptureQueriesContext(connection) as cold:
            assert rows(client.get(target).content.decode())
    assert "reports_monthrollup" not in tables(cold.captured_queries)
