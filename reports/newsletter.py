"""The monthly and quarterly newsletter: what an edition shows, and the list of editions.

The figures are published as on every other page (reports.publishing); the trend, the funnel and the
referrals by pathway are the dashboard's charts (reports.pages.shared_charts). reports.services builds
an edition's PDF from `newsletter_content` (templates/reports/pdf/newsletter.html).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from deflection.models import Program
from deflection.suppression import Published, Rate, rate, suppression_note
from feedback import selectors as feedback
from referrals.models import HANDOFF_STEPS, Handoff
from reports import metrics, rollups
from reports.charts import Chart
from reports.coresponder import coresponder_tiles
from reports.models import Commendation, Newsletter, NewsletterStatus
from reports.outcomes import PROGRAM
from reports.outreach import outreach_tiles
from reports.pages import (
    TREND_MONTHS,
    Tile,
    TrainingComparison,
    change_label,
    clock_tiles,
    explain,
    hours_saved,
    people_tile,
    program_officers,
    shared_charts,
    training_comparison,
    window_for,
)
from reports.periods import Period, PeriodKind, latest_final
from reports.publishing import count_and_publish, months_of
from reports.walkin import walkin_tiles


def newsletter_editions(program: Program) -> list:
    """The current edition of each period, and the newest version of periods still being built."""
    return list(
        Newsletter.objects.filter(program=program)
        .exclude(is_current=False, status=NewsletterStatus.READY)
        .order_by("kind", "-period_start", "-version")[:120]
    )


def newsletter_recognitions(program: Program, period: Period) -> list[Commendation]:
    return list(
        Commendation.objects.filter(
            program=program, include_in_newsletter=True, created_at__gte=period.start, created_at__lt=period.end
        )
        .select_related("officer")
        .order_by("created_at")
    )


def approved_participant_stories(program: Program, period: Period) -> list:
    """Approved participant stories and letters the coordinator chose for the newsletter.

    The feedback app owns the letters and hands out only their approved, anonymised text and month
    (feedback.selectors.approved_newsletter_letters).
    """
    return list(feedback.approved_newsletter_letters(program, period.start, period.end))


@dataclass(kw_only=True)
class NewsletterContent:
    program: Program
    period: Period
    outcome_period: Period
    lead: str  # the opening paragraph, written from the figures below
    tiles: list[Tile]
    trend: Chart
    funnel: Chart
    by_pathway: Chart
    training: TrainingComparison
    core_completed: int
    referring_officers: int
    recognitions: list[Commendation]
    stories: list
    highlights: list
    you_said_we_did: list
    after_referral: list[tuple[str, list[str]]]
    threshold: int
    generated_at: datetime

    @property
    def suppression_note(self) -> str:
        return suppression_note(self.threshold)

    @property
    def definitions(self) -> list[tuple[str, str]]:
        return [
            (m.label, m.definition)
            for m in (metrics.REFERRALS, metrics.CONTACTED, metrics.QUALITY, metrics.RETAINED_30, metrics.RETAINED_90)
        ]


def lead_paragraph(
    *,
    period: Period,
    referrals: Published,
    before: Published,
    outcome_period: Period,
    quality: Published,
    quality_share: Rate,
    hours: float,
) -> str:
    """The edition's opening lines, written from its published figures only ("Referrals rose 7% to 103 …").

    A hidden figure is never put into words: a sentence that needs one is left out, so the lead tells
    a reader nothing that the tiles below it do not show."""
    sentences = []
    if not referrals.is_suppressed:
        count = referrals.value
        noun = "referral" if count == 1 else "referrals"
        if before.is_suppressed or not before.value:
            sentences.append(f"Officers made {count:,} {noun} in {period.label}.")
        else:
            change = round((count - before.value) / before.value * 100)
            if change == 0:
                sentences.append(f"Referrals held steady at {count:,} in {period.label}.")
            else:
                moved = "rose" if change > 0 else "fell"
                sentences.append(
                    f"Referrals {moved} {abs(change)}% to {count:,} in {period.label}, from {before.value:,} the period before."
                )
    if not quality.is_suppressed:
        share = "" if quality_share.is_suppressed else f" ({quality_share.display})"
        were = "was a quality referral" if quality.value == 1 else "were quality referrals"
        sentences.append(
            f"Of the referrals made in {outcome_period.label}, {quality.value:,}{share} {were}: "
            "the person engaged in treatment within 30 days."
        )
    if hours >= 1:
        sentences.append(f"Referring instead of booking saved officers about {hours:,.0f} hours.")
    return " ".join(sentences)


def newsletter_content(*, program: Program, period: Period, now: datetime | None = None) -> NewsletterContent:
    """The monthly or quarterly newsletter: aggregates of the program, published as on every other page."""
    now = now or timezone.now()
    threshold = program.suppression_threshold
    outcome_period = latest_final(period, now)
    months = window_for(period)
    first = min(
        months[0],
        Period.month(outcome_period.first_day.year, outcome_period.first_day.month, program.time_zone),
        key=lambda p: p.first_day,
    )
    months = [first]
    while months[-1].first_day < period.months()[-1].first_day:
        months.append(months[-1].next())
    wanted = {p.key: p for p in [*months[-TREND_MONTHS:], period, period.previous(), outcome_period, outcome_period.previous()]}
    counted = count_and_publish(program=program, periods=list(wanted.values()), months=months_of(*wanted.values()), now=now)
    current, before = counted[period], counted[period.previous()]
    outcome, outcome_before = counted[outcome_period], counted[outcome_period.previous()]
    scope = (PROGRAM, None)
    times, pathways, _handoffs = rollups.period_summary(program, period, now, None)
    referrals = current.get(metrics.REFERRALS, *scope)
    tiles = [
        Tile(
            label="Referrals",
            value=referrals.display,
            detail=period.label,
            change=change_label(referrals, before.get(metrics.REFERRALS, *scope)),
            previous=before.get(metrics.REFERRALS, *scope).display,
        ),
    ]
    if times is not None and times.referrals:
        if period.kind == PeriodKind.QUARTER:
            tiles.append(people_tile(period=period, times=times, threshold=threshold, detail=period.label))
        tiles.append(
            Tile(
                label="Median referral time",
                value=f"{times.median_completion_minutes:.0f} min",
                detail=f"against {program.booking_baseline_minutes} min for an arrest and booking",
            )
        )
        tiles.append(Tile(label="Officer hours saved", value=f"{hours_saved(program, times):,.0f}", detail=period.label))
    for measure, of in ((metrics.CONTACTED, metrics.REFERRALS), (metrics.QUALITY, metrics.REFERRALS)):
        figure = outcome.get(measure, *scope)
        share = rate(figure, outcome.get(of, *scope), threshold)
        detail = f"referrals of {outcome_period.label}" + (f" ({share.display})" if not share.is_suppressed else "")
        tiles.append(
            Tile(
                label=measure.label,
                value=figure.display,
                detail=explain(figure, detail),
                change=change_label(figure, outcome_before.get(measure, *scope)),
                definition=measure.definition if measure == metrics.QUALITY else "",
            )
        )
    tiles += clock_tiles(program=program, period=period, now=now, threshold=threshold)
    charts = shared_charts(
        id_prefix="newsletter-",
        months=months[-TREND_MONTHS:],
        published=counted.published,
        scope=scope,
        funnel_of=outcome_period,
        pathways_of=period,
        pathways=pathways,
        threshold=threshold,
    )
    officers = {o.user_id for o in program_officers(program)}
    completed = sum(1 for o in officers if counted.counts.trained(o, period.last_day))
    tiles += outreach_tiles(program=program, period=period)
    tiles += walkin_tiles(program=program, period=period)
    tiles += coresponder_tiles(program=program, period=period)
    quality = outcome.get(metrics.QUALITY, *scope)
    return NewsletterContent(
        program=program,
        period=period,
        outcome_period=outcome_period,
        lead=lead_paragraph(
            period=period,
            referrals=referrals,
            before=before.get(metrics.REFERRALS, *scope),
            outcome_period=outcome_period,
            quality=quality,
            quality_share=rate(quality, outcome.get(metrics.REFERRALS, *scope), threshold),
            hours=hours_saved(program, times) if times is not None else 0.0,
        ),
        tiles=tiles,
        trend=charts.trend,
        funnel=charts.funnel,
        by_pathway=charts.by_pathway,
        training=training_comparison(program=program, period=outcome_period, counted=counted),
        core_completed=completed,
        referring_officers=len(officers),
        recognitions=newsletter_recognitions(program, period),
        stories=approved_participant_stories(program, period),
        highlights=list(feedback.latest_highlights(program, 3)),
        you_said_we_did=list(feedback.you_said_we_did(program, period.start, period.end)[:5]),
        after_referral=[(Handoff(kind).label, steps) for kind, steps in HANDOFF_STEPS.items()],
        threshold=threshold,
        generated_at=now,
    )
