"""The table's own figures: de-identified risk factors and outcomes, suppressed like every other figure."""

from datetime import timedelta

from django.urls import reverse

from deflection.audit import AuditContext
from deflection.suppression import Reason
from referrals.hub import selectors, services
from referrals.hub.models import AgeGroup, CloseReason, RiskFactor
from referrals.hub.tests.conftest import decide_acute, present


def _closed(hub, reason, age_group=AgeGroup.ADULT_25):
    situation = decide_acute(hub, present(hub, age_group=age_group))
    audit = AuditContext(actor=hub.case_manager)
    situation = services.intervention_record(
        situation=situation, took_part=[hub.provider], audit=audit, at=situation.decided_at + timedelta(hours=30)
    )
    return services.situation_close(situation=situation, reason=reason, audit=audit)


def test_small_counts_are_suppressed_and_large_ones_shown(client, hub):
    for _ in range(14):
        _closed(hub, CloseReason.CONNECTED)
    for _ in range(3):
        _closed(hub, CloseReason.REFUSED)
    for _ in range(3):
        situation = present(hub, age_group=AgeGroup.YOUTH, risk_factors=[RiskFactor.MISSING])
        services.situation_decide(situation=situation, acute=False, audit=AuditContext(actor=hub.coordinator))
    present(hub)  # not decided yet: in the risk factors, not among the decisions

    figures = selectors.table_figures(hub.table)
    youth = AgeGroup.YOUTH.label
    year = str(hub.program.today().year)
    assert figures.decisions.grand_total.value == 20
    assert figures.decisions.cell(youth, selectors.BELOW_LABEL).reason == Reason.SMALL_COUNT
    assert figures.outcomes.cell(year, CloseReason.REFUSED.label).reason == Reason.SMALL_COUNT
    for table in (figures.decisions, figures.outcomes):
        shown = [*table.row_totals.values(), *table.column_totals.values(), table.grand_total]
        shown += [cell for row in table.cells.values() for cell in row.values()]
        assert all(figure.is_suppressed or figure.value == 0 or figure.value >= 11 for figure in shown)
        # The small count cannot be worked out by subtraction: something else in its row and column is hidden too.
        assert sum(figure.is_suppressed for figure in shown) >= 4
    assert figures.risk_factors.values[RiskFactor.OVERDOSE.label].value == 18
    assert figures.risk_factors.values[RiskFactor.MISSING.label].reason == Reason.SMALL_COUNT
    assert figures.risk_factors.values[RiskFactor.ALCOHOL.label].value == 0
    # All 17 interventions came at 30 hours: shown as 100%, since no one falls outside.
    assert figures.within_48_hours.value == 1.0

    client.force_login(hub.supervisor)
    page = client.get(reverse("hub:figures", args=[hub.table.pk])).content.decode()
    assert "fewer than 11" in page and "counts from 1 to 10" in page
    assert ">3<" not in page and ">18<" in page


def test_a_new_table_shows_zeros_and_no_rate(client, hub):
    figures = selectors.table_figures(hub.table)
    assert figures.decisions.grand_total.value == 0
    assert figures.within_48_hours.is_suppressed
    client.force_login(hub.coordinator)
    assert client.get(reverse("hub:figures", args=[hub.table.pk])).status_code == 200
