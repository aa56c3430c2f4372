"""CSV exports: the BJA COSSUP-shaped quarterly measures (cells are written by deflection.csvcells)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count
from django.utils import timezone

from deflection.models import AgencyKind, Pathway, Program
from deflection.suppression import Published, Reason
from referrals.models import ServiceKind
from reports import metrics
from reports.outcomes import PROGRAM
from reports.pages import publish_part
from reports.periods import Period
from reports.publishing import count_and_publish
from training.models import Attendance


def now() -> datetime:
    return timezone.now()


@dataclass(frozen=True, kw_only=True)
class FederalMeasure:
    code: str
    measure: str
    value: str
    definition: str


def naloxone_trained(program: Program, quarter: Period) -> int:
    """Different people who attended, in the quarter, a session of a course the coordinator marked as
    naloxone training (Course.teaches_naloxone); a program without one reports 0."""
    return Attendance.objects.filter(
        session__course__program=program,
        session__course__teaches_naloxone=True,
        session__starts_at__gte=quarter.start,
        session__starts_at__lt=quarter.end,
    ).aggregate(n=Count("user_id", distinct=True))["n"]


def federal_measures(*, program: Program, quarter: Period) -> list[FederalMeasure]:
    """Quarterly counts shaped like BJA's COSSUP performance measures, each with its definition.

    Referral counts are shown as they are; the outcome measure goes through the same suppression as
    every other report, since the file leaves the treatment team.
    """
    now = timezone.now()
    treatment = metrics.unique_people_by_service(
        program=program,
        start=quarter.start,
        end=quarter.end,
        service_kinds=metrics.TREATMENT_SERVICE_KINDS,
        provider_kinds=[AgencyKind.TREATMENT],
    )
    recovery = metrics.unique_people_by_service(
        program=program,
        start=quarter.start,
        end=quarter.end,
        service_kinds=[ServiceKind.RECOVERY_SUPPORT],
        provider_kinds=[AgencyKind.COMMUNITY],
    )
    by_pathway = {
        row["pathway"]: row["referrals"]
        for row in metrics.counts(
            program=program, start=quarter.start, end=quarter.end, by=("pathway",), measures=(metrics.REFERRALS,)
        )
    }
    total = sum(by_pathway.values())
    diversion = by_pathway.get(Pathway.OFFICER_INTERVENTION, 0)
    people = metrics.timings(program=program, start=quarter.start, end=quarter.end).get(())
    published = count_and_publish(program=program, periods=[quarter], months=quarter.months(), now=now)[
        quarter
    ]  # as on every page
    quality = published.get(metrics.QUALITY, PROGRAM)
    threshold = program.suppression_threshold
    individuals, treatment_people, recovery_people = people_counts(
        people.participants if people else 0, people.referrals if people else 0, treatment, recovery, threshold
    )
    return [
        FederalMeasure(
            code="referred_to_treatment",
            measure="Number of individuals referred to treatment",
            value=treatment_people.display,
            definition=(
                "Different people referred in the quarter to a treatment service (detox, MOUD, residential, outpatient, "
                "mental health), or, when the officer chose no service, to a treatment provider's queue."
            ),
        ),
        FederalMeasure(
            code="referred_to_recovery_support",
            measure="Number of individuals referred to recovery support services",
            value=recovery_people.display,
            definition=(
                "Different people referred in the quarter to a recovery support service, or, when the officer chose no "
                "service, to a community recovery organization's queue."
            ),
        ),
        FederalMeasure(
            code="trained_in_naloxone",
            measure="Number of individuals trained in naloxone administration",
            value=f"{naloxone_trained(program, quarter)}",
            definition=(
                "Different people (officers, dispatchers, staff) who attended a session of the program's naloxone "
                "administration course held in the quarter."
            ),
        ),
        FederalMeasure(
            code="diversion_referrals_total",
            measure="Deflection and pre-arrest diversion referrals",
            value=f"{total}",
            definition="Referrals made in the quarter on any pathway (one per deflection episode).",
        ),
        FederalMeasure(
            code="pre_arrest_diversion_referrals",
            measure="Pre-arrest diversion referrals (officer intervention)",
            value=f"{diversion}",
            definition="Referrals in lieu of charges (the officer intervention pathway).",
        ),
        FederalMeasure(
            code="deflection_referrals",
            measure="Deflection referrals (no charges involved)",
            value=f"{total - diversion}",
            definition=(
                "Referrals on the self-referral, active outreach, naloxone plus, officer referral and community "
                "response pathways."
            ),
        ),
        FederalMeasure(
            code="individuals_referred",
            measure="Individuals referred to the program",
            value=individuals.display,
            definition="Different people among the quarter's referrals (a person referred twice counts once). Shown unless it, "
            "or the referrals minus it, is from 1 to "
            f"{threshold - 1}. The people referred to treatment and to recovery support are shown only beside it, "
            "and only when they, and the people not in them, are 0 or at least "
            f"{threshold}.",
        ),
        FederalMeasure(
            code="engaged_in_treatment_30_days",
            measure="Referrals whose person engaged in treatment within 30 days",
            value=quality.display,
            definition=metrics.QUALITY.definition
            + f" Outcome counts from 1 to {threshold - 1} are suppressed (“fewer than {threshold}”), with complementary "
            "suppression; the figure is published once every referral of the quarter has had its 30 days.",
        ),
    ]


def people_counts(people: int, referrals: int, treatment: int, recovery: int, threshold: int) -> tuple[Published, ...]:
    """The export's three people counts, safe together (README rule 4).

    People are a part of the referrals (one person, one or more referrals), and the people referred to
    treatment or to recovery support are parts of the people: each part is shown only when it and
    what its whole leaves over are 0 or at least the threshold, and only beside a shown whole, so
    that no count of 1 to threshold - 1 can be had by subtraction."""
    individuals = publish_part(people, referrals, threshold)
    if individuals.is_suppressed:
        hidden = Published.hidden(Reason.COMPLEMENTARY, threshold)
        return individuals, hidden, hidden
    return (
        individuals,
        publish_part(treatment, people, threshold),
        publish_part(recovery, people, threshold),
    )


def federal_csv_rows(program: Program, quarter: Period, measures: list[FederalMeasure]) -> list[list[str]]:
    """Section 1: the measures with their definitions beside them; section 2: about the file."""
    rows = [["measure_code", "measure", "value", "definition"]]
    rows += [[m.code, m.measure, m.value, m.definition] for m in measures]
    rows += [
        [],
        ["about", "value"],
        ["program", program.name],
        ["reporting_period", f"{quarter.label} ({quarter.first_day.isoformat()} to {quarter.last_day.isoformat()})"],
        ["time_zone", program.time_zone],
        ["generated_at_utc", timezone.now().strftime("%Y-%m-%d %H:%M")],
        ["source", "Deflection (aggregates only; no participant identifiers)"],
    ]
    return rows
