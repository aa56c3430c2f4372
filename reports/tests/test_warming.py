"""Report warming: beat publishes each program's report periods ahead of the page views."""

import pytest
from django.core.cache import cache

from reports import services, tasks
from reports.tests.conftest import add_officers
from reports.tests.test_leaderboard_view import rows, url


def test_the_dispatcher_queues_one_task_per_program(world):
    from deflection.models import OutboxMessage

    assert tasks.dispatch_report_warming() == 2
    queued = OutboxMessage.objects.filter(task_name="reports.tasks.warm_reports")
    assert sorted(m.kwargs["program_id"] for m in queued) == sorted([world.program.pk, world.other_program.pk])


# Only periods with final outcomes (and referrals) run the linked engine at all: March and Q1 in June.
@pytest.mark.parametrize(
    ("period", "unwarmed_publishes"), [("2026-03", True), ("2026-Q1", True), ("2026-05", False), ("2025", False), ("2026", False)]
)
def test_after_warming_a_leaderboard_publishes_nothing_on_view(client, reports_world, cache_traffic, period, unwarmed_publishes):
    add_officers(reports_world, 8, referrals_each=3, quality_each=2)
    client.force_login(reports_world.coordinator)
    unwarmed = rows(client.get(url(reports_world, period=period)).content.decode())
    assert bool(cache_traffic.engine_runs) == unwarmed_publishes
    cache.clear()
    assert tasks.warm_reports(reports_world.program.pk) == 27  # the picker: 18 months, 6 quarters, 3 years
    cache_traffic.forget()
    warmed = rows(client.get(url(reports_world, period=period)).content.decode())
    # The filter and the order do not change what is published: read from the cache as well.
    assert rows(client.get(url(reports_world, period=period, sort="quality")).content.decode())
    assert cache_traffic.engine_runs == []  # every run of the linked engine is stored: none ran
    assert any(key.startswith("reports:") for key in cache_traffic.reads)
    assert warmed == unwarmed


def test_warming_twice_publishes_nothing_more(reports_world, cache_traffic):
    services.reports_warm(program_id=reports_world.program.pk)
    assert cache_traffic.engine_runs
    cache_traffic.forget()
    assert services.reports_warm(program_id=reports_world.program.pk) == 27
    assert cache_traffic.engine_runs == []


def test_a_missing_program_is_nothing_to_warm(db):
    assert services.reports_warm(program_id=987654) == 0


def test_the_command_warms_each_program_and_says_so(reports_world, cache_traffic):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("warm_reports", stdout=out)
    assert f"{reports_world.program.name}: 27 periods" in out.getvalue()
    assert f"{reports_world.other_program.name}: 27 periods" in out.getvalue()
    # Everything is published now: a second run publishes (so stores) nothing.
    cache_traffic.forget()
    out = io.StringIO()
    call_command("warm_reports", program=reports_world.program.pk, stdout=out)
    assert out.getvalue().count("27 periods") == 1
    assert cache_traffic.engine_runs == []


def test_warming_reaches_back_to_the_first_referral(client, reports_world, cache_traffic):
    from datetime import UTC, datetime

    from reports.tests.conftest import make_referrals

    make_referrals(reports_world, reports_world.officer, reports_world.police, 12, 6, datetime(2022, 5, 10, 15, tzinfo=UTC))
    from reports.periods import period_choices

    keys = [p.key for p in services.warm_periods(reports_world.program, datetime.now(UTC))]
    assert keys[:27] == [key for key, _label in period_choices(reports_world.program)]  # the pickers' first
    assert {"2022", "2022-Q2", "2022-05"} <= set(keys) and "2021" not in keys and "2022-Q1" not in keys
    assert len(keys) == len(set(keys))
    services.reports_warm(program_id=reports_world.program.pk)
    client.force_login(reports_world.coordinator)
    cache_traffic.forget()
    assert client.get(url(reports_world, period="2022")).status_code == 200
    assert client.get(url(reports_world, period="2022-Q2")).status_code == 200
    assert cache_traffic.engine_runs == []
