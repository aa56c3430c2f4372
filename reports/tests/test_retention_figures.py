"""Retention leaves the figures alone (issue 11, SECURITY.md 32): the frozen monthly rollups, what the
reports read from them, and the audit trail stay exactly as they were after the records behind them are
de-identified, and their messages and letters deleted."""

from datetime import UTC, datetime, timedelta

import time_machine
from django.forms.models import model_to_dict

from deflection.models import AuditEvent
from feedback import services as feedback_services
from referrals import retention
from referrals.models import Participant
from reports import outcomes, rollups
from reports.models import MonthRollup, MonthSummary, RollupBuild
from reports.periods import Period
from reports.tests.conftest import MARCH, make_referrals

MARCH_PERIOD = Period.month(2026, 3, "America/Chicago")
FINAL = MARCH_PERIOD.end + rollups.CLOSING[-1] + timedelta(days=1)
SEVEN_YEARS_ON = datetime(2033, 6, 1, tzinfo=UTC)


def _figures(world):
    def rows(model):
        return sorted(
            (model_to_dict(row, exclude=["id"]) for row in model.objects.filter(program=world.program)), key=repr
        )

    return rows(MonthRollup), rows(MonthSummary), list(RollupBuild.objects.values_list("month", "built_at"))


def _read(world, at):
    counts = outcomes.load_counts(world.program, [MARCH_PERIOD], at, officers=True)
    return counts.officer_cells({MARCH_PERIOD.first_day})


def test_deidentifying_every_record_of_a_month_changes_none_of_its_frozen_figures(world):
    with time_machine.travel(MARCH, tick=False):
        make_referrals(world, world.officer, world.police, 12, 6, MARCH, retained=3)
        make_referrals(world, world.deputy, world.sheriff, 11, 4, MARCH)
    with time_machine.travel(FINAL, tick=False):
        read_when_final = _read(world, datetime.now(UTC))
    frozen = _figures(world)
    assert frozen[0] and frozen[1]  # the month was counted into rollups and summaries

    with time_machine.travel(SEVEN_YEARS_ON, tick=False):
        audit_before = AuditEvent.objects.count()
        assert retention.retention_apply(program=world.program) == 23
        feedback_services.retention_apply_feedback()
        assert not Participant.objects.filter(program=world.program, deidentified_at__isnull=True).exists()
        assert AuditEvent.objects.count() == audit_before + 1  # every audit row stays; one more for the run
        assert _figures(world) == frozen
        assert _read(world, datetime.now(UTC)) == read_when_final  # what the reports show, unchanged
