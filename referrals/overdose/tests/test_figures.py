"""The outreach figures, suppressed: survivors reached, time to first attempt, linked to treatment, kits left."""

import datetime

import pytest
from django.utils import timezone

from referrals.overdose import naloxone
from referrals.overdose.figures import outreach_figures
from referrals.overdose.models import OutreachCase
from referrals.tests.factories import ReferralFactory

from .conftest import record

pytestmark = pytest.mark.django_db


def _cases(world, n):
    for i in range(n):
        record(world, first_name=f"Survivor{i}", last_name="Figures", phone=f"555-02{i:02d}", hours_ago=3)
    return OutreachCase.objects.order_by("pk")


def _window():
    now = timezone.now()
    return now - datetime.timedelta(days=1), now + datetime.timedelta(days=1)


def _mark(cases, *, reached=0, attempted=0, hours=5):
    ids = list(cases.values_list("pk", flat=True))
    for case in OutreachCase.objects.filter(pk__in=ids[:attempted]).select_related("overdose"):
        OutreachCase.objects.filter(pk=case.pk).update(
            first_attempt_at=case.overdose.occurred_at + datetime.timedelta(hours=hours)
        )
    OutreachCase.objects.filter(pk__in=ids[:reached]).update(reached_at=timezone.now())


def test_every_figure_is_hidden_below_the_threshold_but_kits(qworld):
    cases = _cases(qworld, 5)
    _mark(cases, reached=3, attempted=5)
    naloxone.kits_restock(program=qworld.program, unit=qworld.qrt_unit, quantity=7, by=qworld.coordinator)
    figures = outreach_figures(program=qworld.program, start=_window()[0], end=_window()[1])
    assert figures.cases.display == "fewer than 11"
    assert figures.reached.is_suppressed and figures.reached.display == "not shown"
    assert figures.linked.is_suppressed
    assert figures.median_first_attempt.startswith("not shown")
    assert figures.kits_left.display == "7"  # kits are not health information


def test_figures_are_shown_over_the_threshold_and_a_small_remainder_hides_the_rate(qworld):
    cases = _cases(qworld, 30)
    _mark(cases, reached=15, attempted=20, hours=30)
    figures = outreach_figures(program=qworld.program, start=_window()[0], end=_window()[1])
    assert (figures.cases.display, figures.reached.display, figures.linked.display) == ("30", "50%", "0%")
    assert figures.median_first_attempt == "30 hours"
    _mark(cases, reached=25, attempted=20)  # 5 not reached: the rate would tell them
    assert outreach_figures(program=qworld.program, start=_window()[0], end=_window()[1]).reached.is_suppressed


def test_linked_to_treatment_counts_referrals_that_reached_treatment(qworld):
    cases = _cases(qworld, 30)
    for case in cases[:12]:
        referral = ReferralFactory(program=qworld.program, participant=case.participant, engaged_at=timezone.now())
        OutreachCase.objects.filter(pk=case.pk).update(referral=referral)
    figures = outreach_figures(program=qworld.program, start=_window()[0], end=_window()[1])
    assert figures.linked.display == "40%"
