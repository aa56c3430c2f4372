"""Outcome figures as every report outside the treatment team may show them.

One call publishes every outcome measure of a period at every level a page can show, through
reports.publication, so the leaderboard, the dashboard, the evaluation sheet and the newsletters show
the same figure the same way, and no two of them can be subtracted to reveal a small count:

* months are published on their own, for the program, each agency, and trained and untrained
  officers; a quarter is published with its months fixed, down to each officer and unit; a year is
  the sum of its quarters where all four are shown and is withheld otherwise, so it tells nothing
  the quarters did not (officers' monthly counts are too small to publish, so officers and units are
  published by quarter and year only);
* funnel stages (contacted, engaged, retained 30 and 90 days) of one program or agency are shown only
  when they differ from the last shown stage by 0 or by at least the threshold;
* an outcome is published only once its follow-up window has closed (reports.metrics.is_final), and
  ended months are read from reports.rollups, where a final figure is frozen;
* custom date ranges get referral counts only: two overlapping ranges would give a day's outcomes away.

Referral counts are not health information and are shown as they are. This module counts (ProgramCounts,
load_counts, load_custom) and answers per period (PeriodOutcomes, publish_outcomes); reports.levels
publishes each period level and keeps it by its inputs (the counts themselves), so a repeat view with
the same data skips the work.
"""

from __future__ import annotations

import hashlib
import pickle
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.core.cache import cache
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Greatest, TruncDate

from deflection.models import Membership, Program
from deflection.roles import REFERRING_ROLES
from deflection.suppression import Published, Reason
from reports import metrics, rollups
from reports.levels import (
    AGENCY,
    CACHE_SECONDS,
    CACHE_VERSION,
    OFFICER,
    OFFICER_LEVEL,
    PROGRAM,
    PUBLISHED_OUTCOMES,
    TRAINED,
    UNIT,
    LevelPublisher,
)
from reports.metrics import Measure
from reports.models import MonthRollup
from reports.periods import Period, PeriodKind
from training.models import Attendance, Course

# Pages cached before their final periods kept referral totals (PublishedLevel.referrals) are published
# once more, from the levels' cache, so the next warming run keeps them: no search runs again.
PAGES_VERSION = 2

# Quality referrals are published down to each officer and unit (by quarter); the rest per agency.
COUNT_FIELDS = [measure.key for measure in rollups.ROLLED_MEASURES] + ["completion_seconds"]


def program_agency_ids(program: Program) -> set[int]:
    """The program's lead and partner agencies, asked once per request (pages need them several times)."""
    cached = getattr(program, "_reports_agency_ids", None)
    if cached is None:
        cached = program._reports_agency_ids = program.agency_ids()
    return set(cached)


def core_completion_dates(program: Program) -> dict[int, date]:
    """When each person completed the program's core curriculum: the day they had attended every
    active core course at least once (training.selectors.core_curriculum_completer_ids's definition,
    as one date per person so that one query serves every period)."""
    core = list(Course.objects.filter(program=program, is_core=True, is_active=True).values_list("id", flat=True))
    if not core:
        return {}
    # Attendance is only ever added (or deleted, which lowers nothing we key on but the count), so the
    # newest id and the row count name the state of the table: the dates are worked out once per state.
    newest = Attendance.objects.filter(session__course_id__in=core).aggregate(n=Count("id"), top=Max("id"))
    cache_key = f"reports:core:{program.pk}:{'-'.join(map(str, sorted(core)))}:{newest['n']}:{newest['top']}"
    found = cache.get(cache_key)
    if found is not None:
        return found
    # Per person, the latest of their first attendances of each core course, as a program-local day,
    # worked out in the database: one row per person who completed, not one per person and course.
    firsts = [Min("session__starts_at", filter=Q(session__course_id=course)) for course in core]
    rows = (
        Attendance.objects.filter(session__course_id__in=core)
        .values("user_id")
        .annotate(
            courses=Count("session__course_id", distinct=True),
            day=TruncDate(Greatest(*firsts) if len(firsts) > 1 else firsts[0], tzinfo=program.tz),
        )
        .filter(courses=len(core))
        .values_list("user_id", "day")
        .order_by()
    )
    dates = dict(rows)
    cache.set(cache_key, dates, CACHE_SECONDS)
    return dates


@dataclass
class ProgramCounts:
    """Raw counts of one program over some months: per (agency, trained, month) always, per (officer,
    agency, month) when a page names officers. `trained` is as of each month's last day."""

    program: Program
    months: list[Period]
    coarse: dict[tuple[int, bool, date], dict[str, int]]
    cells: dict[tuple[int, int, date], dict[str, int]] | None
    unit_of: dict[tuple[int, int], int | None]
    trained_on: dict[int, date]
    # When each ended month was counted into the rollups: names the counts a published level came from.
    built: dict[date, datetime] = field(default_factory=dict)
    # Officer rows of ended months are read from the rollups only when a level must be published
    # afresh; pages whose levels are cached read per-officer referral totals (one small sum) instead.
    officers: bool = False
    live_cells: dict[tuple[int, int, date], dict[str, int]] = field(default_factory=dict)
    # The state of the program's consents (metrics.consent_stamp): officers' own totals depend on it.
    consents: tuple = (0, None)
    _seen: dict[tuple[int, int, date], dict[str, int]] = field(default_factory=dict, init=False, repr=False)
    _seen_loaded: set[date] = field(default_factory=set, init=False, repr=False)
    _loaded: set[date] = field(default_factory=set, init=False, repr=False)
    _officer_totals: dict[frozenset[date], dict[tuple[int, int], int]] = field(default_factory=dict, init=False, repr=False)

    @property
    def threshold(self) -> int:
        return self.program.suppression_threshold

    def trained(self, officer: int, as_of: date) -> bool:
        return rollups.is_trained(self.trained_on, officer, as_of)

    def officer_cells(self, firsts: set[date]) -> dict[tuple[int, int, date], dict[str, int]]:
        """The officer rows of the given months (ended months from the rollups, read on first use)."""
        if self.cells is None:
            self.cells = dict(self.live_cells)
        missing = [m for m in firsts if m in self.built and m not in self._loaded]
        if missing and self.officers:
            names = ("officer_id", "agency_id", "month", "trained", *COUNT_FIELDS)
            stored = MonthRollup.objects.filter(program=self.program, month__in=missing).values_list(*names).order_by()
            # Tens of thousands of rows at scale: plain tuples zipped into dicts cost far less than .values().
            self.cells.update({(t[0], t[1], t[2]): dict(zip(names, t, strict=True)) for t in stored})
            self._loaded.update(missing)
        return {key: row for key, row in self.cells.items() if key[2] in firsts}

    def seen_cells(self, months: list[Period]) -> dict[tuple[int, int, date], dict[str, int]]:
        """Per (officer, agency, month): the referrals whose officer may have seen their outcome under
        a consent (referrals.disclosure.seen_by_their_officer) and those outcomes, counted live in one query."""
        missing = sorted((m for m in months if m.first_day not in self._seen_loaded), key=lambda m: m.first_day)
        if missing:
            rows = metrics.counts(
                program=self.program,
                start=missing[0].start,
                end=missing[-1].end,
                by=("officer_id", "agency_id"),
                monthly=True,
                measures=(metrics.REFERRALS, *OFFICER_LEVEL),
                seen_only=True,
            )
            wanted = {m.first_day for m in missing}
            for row in rows:
                if row["month"] in wanted:
                    self._seen[(row["officer_id"], row["agency_id"], row["month"])] = row
            self._seen_loaded |= wanted
        firsts = {m.first_day for m in months}
        return {key: row for key, row in self._seen.items() if key[2] in firsts}

    def sum_officer_referrals(self, periods: list[frozenset[date]]) -> None:
        """Referrals per (officer, agency) over each set of months, summed in the database in one query
        (a column per period, a row per officer) for officer_referrals to read."""
        wanted = [firsts for firsts in dict.fromkeys(periods) if firsts not in self._officer_totals]
        if not self.officers or not wanted:
            return
        ended = [[m for m in firsts if m in self.built] for firsts in wanted]
        results: list[dict[tuple[int, int], int]] = [defaultdict(int) for _ in wanted]
        if any(ended):
            sums = {f"p{n}": Sum("referrals", filter=Q(month__in=months)) for n, months in enumerate(ended) if months}
            every = sorted({m for months in ended for m in months})
            rows = (
                MonthRollup.objects.filter(program=self.program, month__in=every)
                .values("officer_id", "agency_id")
                .annotate(**sums)
                .order_by()
            )
            for row in rows:
                for n in range(len(wanted)):
                    if row.get(f"p{n}"):
                        results[n][(row["officer_id"], row["agency_id"])] += row[f"p{n}"]
        for firsts, totals in zip(wanted, results, strict=True):
            for (officer, agency, month), row in self.live_cells.items():
                if month in firsts:
                    totals[(officer, agency)] += row["referrals"]
            self._officer_totals[firsts] = totals

    def officer_referrals(self, firsts: set[date]) -> dict[tuple[int, int], int]:
        """Referrals per (officer, agency) over the given months: from the officer rows when those are
        all loaded (custom ranges), otherwise summed in the database."""
        if not self.officers:
            return {}
        if self.cells is not None and all(m in self._loaded or m not in self.built for m in firsts):
            totals: dict[tuple[int, int], int] = defaultdict(int)
            for (officer, agency, month), row in self.cells.items():
                if month in firsts:
                    totals[(officer, agency)] += row["referrals"]
            return totals
        key = frozenset(firsts)
        self.sum_officer_referrals([key])
        return self._officer_totals[key]


def _add(target: dict, row: dict) -> None:
    for name in COUNT_FIELDS:
        target[name] = target.get(name, 0) + (row.get(name) or 0)


@dataclass(frozen=True)
class Inputs:
    """What a publication depends on besides the counts of ended months, which `built` identifies."""

    trained_on: dict[int, date]
    unit_of: dict[tuple[int, int], int | None]
    built: dict[date, datetime]
    consents: tuple = (0, None)

    def fingerprint(self, program: Program, months: list[Period], periods: list[Period], now: datetime, officers: bool):
        """A key for everything published from these inputs; None while a month is still counted live."""
        if any(month.end > now for month in months):
            return None
        finality = [(p.key, tuple(metrics.is_final(m, p.end, now) for m in PUBLISHED_OUTCOMES)) for p in periods]
        payload = pickle.dumps(
            (
                CACHE_VERSION,
                PAGES_VERSION,
                program.pk,
                program.suppression_threshold,
                officers,
                [(m.key, self.built.get(m.first_day)) for m in months],
                self.consents,
                sorted(self.trained_on.items()),
                sorted(self.unit_of.items(), key=str),
                finality,
            )
        )
        return f"reports:published:{hashlib.sha256(payload).hexdigest()}"


def prepare(program: Program, months: list[Period], now: datetime) -> Inputs:
    trained_on = core_completion_dates(program)
    built = rollups.ensure_counted(program, months, now, trained_on)
    return Inputs(trained_on, _units(program), built, metrics.consent_stamp(program))


def load_counts(
    program: Program, months: list[Period], now: datetime, *, officers: bool = False, inputs: Inputs | None = None
) -> ProgramCounts:
    """A few queries whatever the program's size: ended months from the rollups (counted first if a
    window closed since), the month in progress live; who sits in which unit; who is trained."""
    months = sorted(months, key=lambda m: m.first_day)
    inputs = inputs or prepare(program, months, now)
    trained_on = inputs.trained_on
    ended = [m.first_day for m in months if m.end <= now]
    rows: list[dict] = []
    for month in months:
        if month.end > now and month.start < now:
            rows += rollups.live_rows(program, month, trained_on)
    coarse: dict[tuple, dict] = defaultdict(dict)
    stored = MonthRollup.objects.filter(program=program, month__in=ended)
    # The database sums the agency-level counts; Python only adds the live month's few rows to them.
    for row in stored.values("agency_id", "trained", "month").annotate(**{f: Sum(f) for f in COUNT_FIELDS}).order_by():
        _add(coarse[(row["agency_id"], row["trained"], row["month"])], row)
    live_cells = {}
    for row in rows:
        live_cells[(row["officer_id"], row["agency_id"], row["month"])] = {**row}
        _add(coarse[(row["agency_id"], row["trained"], row["month"])], row)
    return ProgramCounts(
        program,
        months,
        dict(coarse),
        None,  # officer rows are read on demand (ProgramCounts.officer_cells)
        inputs.unit_of,
        trained_on,
        inputs.built,
        officers=officers,
        live_cells=live_cells,
        consents=inputs.consents,
    )


def load_custom(program: Program, period: Period, now: datetime | None = None) -> ProgramCounts:
    """A custom range: referral counts over exactly its days (outcomes are withheld).

    Whole months inside the range come from the rollups (a month's referral and acknowledgement counts
    are final once it has ended); only the days before the first and after the last whole month are
    counted live, so a year-long range costs about what a month does."""
    now = now or datetime.now(UTC)
    trained_on = core_completion_dates(program)
    measures = (metrics.REFERRALS, metrics.ACKNOWLEDGED)
    fields = ("referrals", "acknowledged", "completion_seconds")
    whole = [m for m in period.months() if m.start >= period.start and m.end <= period.end and m.end <= now]
    rollups.ensure_counted(program, whole, now, trained_on)
    edges = [(period.start, period.end)]
    if whole:
        edges = [(period.start, whole[0].start), (whole[-1].end, period.end)]
    totals: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(fields, 0))
    if whole:
        stored = (
            MonthRollup.objects.filter(program=program, month__in=[m.first_day for m in whole])
            .values_list("officer_id", "agency_id")
            .annotate(*(Sum(name) for name in fields))
            .order_by()
        )
        for officer, agency, *sums in stored:
            for name, value in zip(fields, sums, strict=True):
                totals[(officer, agency)][name] += value or 0
    for start, end in edges:
        if start >= end:
            continue
        for row in metrics.counts(program=program, start=start, end=end, by=("officer_id", "agency_id"), measures=measures):
            for name in fields:
                totals[(row["officer_id"], row["agency_id"])][name] += row.get(name) or 0
    cells, coarse = {}, defaultdict(dict)
    for (officer, agency), row in totals.items():
        if not row["referrals"]:
            continue
        trained = rollups.is_trained(trained_on, officer, period.last_day)
        row = {**row, "officer_id": officer, "agency_id": agency, "trained": trained}
        cells[(officer, agency, period.first_day)] = row
        _add(coarse[(agency, row["trained"], period.first_day)], row)
    return ProgramCounts(program, [period], dict(coarse), cells, _units(program), trained_on, officers=True)


def _units(program: Program) -> dict[tuple[int, int], int | None]:
    return {
        (user_id, agency_id): unit_id
        for user_id, agency_id, unit_id in Membership.objects.filter(
            agency_id__in=program_agency_ids(program), role__in=REFERRING_ROLES
        ).values_list("user_id", "agency_id", "unit_id")
    }


@dataclass
class PeriodOutcomes:
    """Every published outcome figure of one period, and its referral counts, by level."""

    period: Period
    threshold: int
    figures: dict[str, dict[tuple, Published]] = field(default_factory=dict)
    referrals: dict[tuple, int] = field(default_factory=dict)  # shown as they are
    officer_level: bool = False  # whether officers' and units' outcomes are published for this period
    # Measures whose follow-up window is still open for this period: nothing of them is published yet.
    open_measures: frozenset[str] = frozenset()

    def get(self, measure: Measure, level: str, ident=None) -> Published:
        if measure is metrics.REFERRALS:
            return Published.shown(self.referrals.get((level, ident), 0), self.threshold)
        if self.period.kind == PeriodKind.CUSTOM:
            return Published.hidden(Reason.WITHHELD, self.threshold)
        if level in (OFFICER, UNIT) and not self.officer_level:
            return Published.hidden(Reason.WITHHELD, self.threshold)
        if measure.key in self.open_measures:
            if self.referrals.get((level, ident), 0):
                return Published.hidden(Reason.FOLLOW_UP_OPEN, self.threshold)
            return Published.shown(0, self.threshold)
        found = self.figures.get(measure.key, {}).get((level, ident, self.period.key))
        if found is not None:
            return found
        if self.referrals.get((level, ident), 0):
            return Published.hidden(Reason.WITHHELD, self.threshold)  # counted, but not published at this level
        return Published.shown(0, self.threshold)  # no referrals there: zero of zero hides nothing


def _firsts(period: Period) -> set[date]:
    if period.kind == PeriodKind.CUSTOM:
        return {period.first_day}
    return {month.first_day for month in period.months()}


def _referral_totals(counts: ProgramCounts, period: Period) -> dict[tuple, int]:
    totals: dict[tuple, int] = defaultdict(int)
    firsts = _firsts(period)
    for (agency, trained, month), row in counts.coarse.items():
        if month in firsts:
            totals[(PROGRAM, None)] += row["referrals"]
            totals[(AGENCY, agency)] += row["referrals"]
            if period.kind in (PeriodKind.MONTH, PeriodKind.CUSTOM):
                totals[(TRAINED, trained)] += row["referrals"]
    for (officer, agency), referrals in counts.officer_referrals(firsts).items():
        totals[(OFFICER, officer)] += referrals
        unit = counts.unit_of.get((officer, agency))
        if unit is not None:
            totals[(UNIT, unit)] += referrals
        if period.kind == PeriodKind.QUARTER:
            totals[(TRAINED, counts.trained(officer, period.last_day))] += referrals
    return dict(totals)


def publish_outcomes(
    counts: ProgramCounts, periods: Iterable[Period], now: datetime, *, keep_referrals: bool = False
) -> dict[str, PeriodOutcomes]:
    """Published outcome figures and referral counts for each period (custom ranges: referrals only).

    With `keep_referrals` (a page of ended months, which stored_outcomes may answer next time), each
    final period's referral totals are kept beside its stored figures."""
    publisher = LevelPublisher(counts, now)
    periods = list(periods)
    counts.sum_officer_referrals([frozenset(_firsts(p)) for p in periods if p.kind != PeriodKind.CUSTOM])
    result = {}
    for period in periods:
        outcomes = PeriodOutcomes(
            period,
            counts.threshold,
            referrals=_referral_totals(counts, period),
            officer_level=counts.officers and period.kind in (PeriodKind.QUARTER, PeriodKind.YEAR),
        )
        if period.kind != PeriodKind.CUSTOM:
            outcomes.open_measures = frozenset(m.key for m in PUBLISHED_OUTCOMES if not metrics.is_final(m, period.end, now))
        if period.kind != PeriodKind.CUSTOM:
            outcomes.figures = publisher.publish(period)
            if keep_referrals:
                publisher.keep_referrals(period, outcomes.referrals)
        result[period.key] = outcomes
    publisher.save_stored()
    return result


def stored_outcomes(
    program: Program, months: list[Period], periods: list[Period], now: datetime, *, officers: bool, inputs: Inputs
) -> tuple[ProgramCounts, dict[str, PeriodOutcomes]] | None:
    """The periods as a page published them before from the same inputs, read from their stored rows
    (reports.levels.LevelPublisher.stored_pages) in one query, without loading the rollups; None unless
    every period is final and was shown before. A past year after a Redis flush or a deploy reads so.

    The counts returned hold what pages read besides the figures (training dates, units), no rows."""
    counts = ProgramCounts(
        program, months, {}, None, inputs.unit_of, inputs.trained_on, inputs.built, officers=officers, consents=inputs.consents
    )
    found = LevelPublisher(counts, now).stored_pages(periods)
    if found is None:
        return None
    result = {}
    for period in periods:
        figures, referrals = found[period.key]
        result[period.key] = PeriodOutcomes(
            period,
            counts.threshold,
            figures=figures,
            referrals=referrals,
            officer_level=officers and period.kind in (PeriodKind.QUARTER, PeriodKind.YEAR),
            # Final: every window closed (stored_pages answers for final periods only), so none is open.
            open_measures=frozenset(m.key for m in PUBLISHED_OUTCOMES if not metrics.is_final(m, period.end, now)),
        )
    return counts, result
