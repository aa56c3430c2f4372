"""The Illinois quarterly deflection dataset (5 ILCS 820/25; DOMAIN.md "Clocks that programs report").

The law asks each program, per quarter, for participant demographics, the encounters that became
referrals, the time from encounter to treatment engagement, and engagement in treatment within 30 days
(its key indicator). Every figure here is published by the same rules as the pages and the federal
export (reports/README.md): the people count beside the referrals (rule 4), people by age group only
beside a shown people count and safe as a series with it, the engagement count from the linked
publication of the quarter (rule 2), its share only through `rate()` (rule 3), and the median time
only over at least the threshold of people, once every referral has had its 30 days.

Demographics are the age group at the person's first referral of the quarter: the product records a
date of birth (encrypted) and no race or gender, so the file says so rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Min
from django.utils import timezone

from deflection.models import Pathway, Program
from deflection.suppression import Published, Reason, rate, suppress_series
from referrals.models import Participant, Referral
from reports import metrics
from reports.outcomes import PROGRAM
from reports.pages import median_label, publish_part
from reports.periods import Period
from reports.publishing import count_and_publish

AGE_GROUPS = (
    ("under 18", 0, 17),
    ("18 to 25", 18, 25),
    ("26 to 34", 26, 34),
    ("35 to 44", 35, 44),
    ("45 to 54", 45, 54),
    ("55 to 64", 55, 64),
    ("65 and over", 65, 200),
)
NOT_RECORDED = "date of birth not recorded"
COLUMNS = ["section", "measure", "group", "value", "definition"]


@dataclass(frozen=True)
class Row:
    section: str
    measure: str
    group: str
    value: str
    definition: str


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def people_by_age_group(program: Program, quarter: Period) -> dict[str, int]:
    """Different people of the quarter's referrals by their age at their first referral in it.

    People are counted as metrics.timings counts them (distinct participant of each referral), so the
    groups add up to the people count. Dates of birth are encrypted: they are read and decrypted here,
    one row per person, and only the group leaves this function.
    """
    firsts = dict(
        Referral.objects.filter(program=program, created_at__gte=quarter.start, created_at__lt=quarter.end)
        .values("participant_id")
        .annotate(first=Min("created_at"))
        .values_list("participant_id", "first")
    )
    groups = {label: 0 for label, _low, _high in AGE_GROUPS} | {NOT_RECORDED: 0}
    births = Participant.objects.filter(pk__in=list(firsts)).values_list("pk", "date_of_birth")
    for participant_id, born in births.iterator(chunk_size=2000):
        if born is None:
            groups[NOT_RECORDED] += 1
            continue
        age = _age(born, program.local_date(firsts[participant_id]))
        label = next((label for label, low, high in AGE_GROUPS if low <= age <= high), NOT_RECORDED)
        groups[label] += 1
    return groups


def _age_series(groups: dict[str, int], people: Published, threshold: int) -> dict[str, Published]:
    """Age groups as parts of the shown people count: all hidden unless that count is shown and the
    series, with its total, needs no hiding of the total itself (the total is printed above it)."""
    hidden = {label: Published.hidden(Reason.COMPLEMENTARY, threshold) for label in groups}
    if people.is_suppressed:
        return hidden
    series = suppress_series(groups, threshold, with_total=True)
    if series.total is None or series.total.is_suppressed:
        return hidden
    return dict(series.values)


def illinois_rows(*, program: Program, quarter: Period, now: datetime | None = None) -> list[Row]:
    now = now or timezone.now()
    threshold = program.suppression_threshold
    by_pathway = {
        row["pathway"]: row["referrals"]
        for row in metrics.counts(
            program=program, start=quarter.start, end=quarter.end, by=("pathway",), measures=(metrics.REFERRALS,)
        )
    }
    referrals = sum(by_pathway.values())
    times = metrics.timings(program=program, start=quarter.start, end=quarter.end).get(())
    people = publish_part(times.participants if times else 0, referrals, threshold)
    ages = _age_series(people_by_age_group(program, quarter), people, threshold)
    engaged = count_and_publish(program=program, periods=[quarter], months=quarter.months(), now=now)[quarter].get(
        metrics.QUALITY, PROGRAM
    )
    share = rate(engaged, Published.shown(referrals, threshold), threshold)
    final = metrics.is_final(metrics.QUALITY, quarter.end, now)
    median = median_label(times.median_treatment_days if times else None, times.engaged if times else 0, threshold, "days", final)
    demographics = "Participant demographics"
    referred = "Encounters that became referrals"
    engagement = "Engagement in treatment"
    rows = [
        Row(
            demographics,
            "Participants",
            "all",
            people.display,
            "Different people among the quarter's referrals (a person referred twice counts once). Shown unless it, "
            f"or the referrals minus it, is from 1 to {threshold - 1}.",
        ),
        *(
            Row(
                demographics,
                "Participants by age group",
                label,
                figure.display,
                "Age at the person's first referral of the quarter. Shown only beside the participants count and only "
                "where no group can be worked out from the others; the product records no race or gender.",
            )
            for label, figure in ages.items()
        ),
        Row(referred, "Referrals", "all pathways", f"{referrals}", metrics.REFERRALS.definition),
        *(
            Row(referred, "Referrals", Pathway(key).label, f"{count}", "Referrals made in the quarter on this pathway.")
            for key, count in sorted(by_pathway.items(), key=lambda item: Pathway(item[0]).label)
        ),
        Row(
            engagement,
            "Engaged in treatment within 30 days",
            "referrals",
            engaged.display,
            metrics.QUALITY.definition
            + f" Counts from 1 to {threshold - 1} are suppressed, with complementary suppression; the figure is "
            "published once every referral of the quarter has had its 30 days.",
        ),
        Row(
            engagement,
            "Engaged in treatment within 30 days",
            "share of referrals",
            share.display,
            "The engaged count over the quarter's referrals; shown only when both are shown and neither the engaged "
            "nor the rest is a suppressed count.",
        ),
        Row(
            engagement,
            "Time from encounter to treatment engagement",
            "median",
            median,
            "Median days from the referral (the encounter) to treatment entry, over referrals engaged within 30 days; "
            f"shown over at least {threshold} of them, once final.",
        ),
    ]
    return rows


def illinois_csv_rows(program: Program, quarter: Period, rows: list[Row]) -> list[list[str]]:
    body = [COLUMNS] + [[r.section, r.measure, r.group, r.value, r.definition] for r in rows]
    return body + [
        [],
        ["about", "value"],
        ["program", program.name],
        ["reporting_period", f"{quarter.label} ({quarter.first_day.isoformat()} to {quarter.last_day.isoformat()})"],
        ["statute", "5 ILCS 820/25 (Illinois Community-Law Enforcement and Other First Responder Partnership for Deflection)"],
        ["time_zone", program.time_zone],
        ["generated_at_utc", timezone.now().strftime("%Y-%m-%d %H:%M")],
        ["source", "Deflection (aggregates only; no participant identifiers)"],
    ]
