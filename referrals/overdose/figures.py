"""The outreach figures for the dashboard and the newsletter, suppressed like every other figure.

Survivors reached (%), median time to first attempt, linked to treatment (%) and naloxone kits left,
beside the reach reported elsewhere (27%, Hamilton County QRT, to 53.5%, Massachusetts post-overdose
teams). Counted over the outreach cases of overdoses in one whole period (a month, quarter or year,
never a custom range: two ranges a day apart would tell one survivor's outcome). Rates come from
deflection.suppression.rate; the median is shown only over at least the threshold's cases.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum

from deflection.aggregates import EpochSeconds, Median
from deflection.models import Program
from deflection.suppression import NOT_SHOWN, Published, Rate, fewer_than, publish_count, rate
from referrals.overdose.models import NaloxoneStock, OutreachCase

REACH_ANCHORS = "Reach reported elsewhere: 27% (Hamilton County QRT) to 53.5% (Massachusetts post-overdose teams)."


@dataclass(frozen=True)
class OutreachFigures:
    cases: Published
    reached: Rate
    linked: Rate
    median_first_attempt: str
    kits_left: Published
    anchors: str = REACH_ANCHORS


def outreach_figures(*, program: Program, start: datetime.datetime, end: datetime.datetime) -> OutreachFigures:
    """The figures for outreach cases of overdoses in [start, end): two queries whatever the volume."""
    threshold = program.suppression_threshold
    counts = OutreachCase.objects.filter(
        program=program, overdose__occurred_at__gte=start, overdose__occurred_at__lt=end
    ).aggregate(
        cases=Count("pk"),
        reached=Count("pk", filter=Q(reached_at__isnull=False)),
        linked=Count("pk", filter=Q(referral__engaged_at__isnull=False)),
        attempted=Count("pk", filter=Q(first_attempt_at__isnull=False)),
        median_seconds=Median(
            EpochSeconds(F("first_attempt_at") - F("overdose__occurred_at")), filter=Q(first_attempt_at__isnull=False)
        ),
    )
    attempted = counts["attempted"]
    if attempted == 0:
        median = "none yet"
    elif attempted < threshold:
        median = f"{NOT_SHOWN} ({fewer_than(threshold)} cases)"
    else:
        median = f"{counts['median_seconds'] / 3600:.0f} hours"
    # Kits in stock are not health information: shown as they are.
    kits = NaloxoneStock.objects.filter(program=program).aggregate(total=Sum("on_hand"))["total"] or 0
    return OutreachFigures(
        cases=publish_count(counts["cases"], threshold),
        reached=rate(counts["reached"], counts["cases"], threshold),
        linked=rate(counts["linked"], counts["cases"], threshold),
        median_first_attempt=median,
        kits_left=Published.shown(kits, threshold),
    )
