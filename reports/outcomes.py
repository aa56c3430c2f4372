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

Referral counts are not health information and are shown as they are. Publications are cached by their
inputs (the counts themselves), so a repeat view with the same data skips the work.
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

from deflection.models import Membership, Program
from deflection.roles import REFERRING_ROLES
from deflection.suppression import Published, Reason, _is_small, unseen_part_publishable
from reports import metrics, rollups
from reports.metrics import Measure
from reports.models import MonthRollup
from reports.periods import Period, PeriodKind
from reports.publication import Figure, publish_linked
from training.models import Attendance, Course

# Quality referrals are published down to each officer and unit (by quarter); the rest per agency.
OFFICER_LEVEL = (metrics.QUALITY,)
AGENCY_LEVEL = (
    metrics.CONTACTED,
    metrics.RETAINED_30,
    metrics.RETAINED_90,
    metrics.DECLINED,
    metrics.UNABLE_TO_CONTACT,
    metrics.RE_REFERRALS,
    # Not health information, but a share of it over one referral says what the program did with it:
    # published like the outcomes so that no period's share can be worked back (README rule 3).
    metrics.ACKNOWLEDGED,
)
PUBLISHED_OUTCOMES = (*OFFICER_LEVEL, *AGENCY_LEVEL)
FUNNEL_STAGES = (metrics.CONTACTED, metrics.QUALITY, metrics.RETAINED_30, metrics.RETAINED_90)
COUNT_FIELDS = [measure.key for measure in rollups.ROLLED_MEASURES] + ["completion_seconds"]

# Entries are keyed by their inputs (never stale); those not read for a week make way.
CACHE_SECONDS = 7 * 24 * 3600
CACHE_VERSION = 6

# Figure keys are (level, id, period key); ranks say which to keep when one must be hidden for another.
OFFICER, UNIT, AGENCY, TRAINED, PROGRAM = "officer", "unit", "agency", "trained", "program"
CELL = "cell"  # one officer's month in one agency: never shown, only protected
RANKS = {OFFICER: 0, UNIT: 1, AGENCY: 2, TRAINED: 2, PROGRAM: 3}


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
    tz = program.tz
    firsts: dict[int, list] = defaultdict(list)
    rows = (
        Attendance.objects.filter(session__course_id__in=core)
        .values("user_id", "session__course_id")
        .annotate(first=Min("session__starts_at"))
        .order_by()
    )
    for row in rows:
        firsts[row["user_id"]].append(row["first"])
    dates = {user: max(times).astimezone(tz).date() for user, times in firsts.items() if len(times) == len(core)}
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


def _shared(published: dict[str, dict[tuple, Published]]) -> dict[str, dict[tuple, Published]]:
    """The same figures with equal ones as one object: thousands of officers share a few hundred distinct
    figures, and pickle then stores (and the cache read rebuilds) each distinct figure once."""
    canonical: dict[Published, Published] = {}
    return {measure: {key: canonical.setdefault(f, f) for key, f in figures.items()} for measure, figures in published.items()}


class _Publisher:
    """Publishes months on their own, quarters with their months fixed, years as sums of quarters."""

    def __init__(self, counts: ProgramCounts, now: datetime):
        self.counts = counts
        self.now = now
        self.t = counts.threshold
        self.done: dict[str, dict[str, dict[tuple, Published]]] = {}
        self.layouts: dict[tuple, tuple] = {}
        self._by_month: dict[bool, dict[date, list]] = {}
        self._people_digest: str | None = None
        self._cells_of_month: dict[str, list] = {}

    def publish(self, level: Period) -> dict[str, dict[tuple, Published]]:
        if level.key not in self.done:
            cache_key = self._level_cache_key(level)
            found = cache.get(cache_key) if cache_key else None
            if found is not None:
                # Keys name their inputs, so an entry never goes stale: keep the ones still in use.
                cache.touch(cache_key, CACHE_SECONDS)
                self.done[level.key] = found
                return found
            if level.kind == PeriodKind.MONTH:
                self.done[level.key] = self._publish_level(level, [])
            elif level.kind == PeriodKind.QUARTER:
                months = level.months()
                for month in months:
                    self.publish(month)
                self.done[level.key] = self._publish_level(level, months)
            elif level.kind == PeriodKind.YEAR:
                self.done[level.key] = self._sum_of_quarters(level)
            else:
                raise ValueError("outcomes are published for months, quarters and years")
            if cache_key:
                cache.set(cache_key, _shared(self.done[level.key]), CACHE_SECONDS)
        return self.done[level.key]

    def _level_cache_key(self, level: Period) -> str | None:
        """A key for one level's published figures, built from everything they depend on.

        A level depends only on its own months (a quarter fixes its months, a year sums its quarters),
        so it is cached on its own and any page that combines it with other periods reuses it. Levels
        with a month not yet counted into the rollups (the month in progress) are not cached.
        """
        months = level.months()
        built = [self.counts.built.get(month.first_day) for month in months]
        if any(stamp is None for stamp in built):
            return None
        if self._people_digest is None:
            people = pickle.dumps((sorted(self.counts.trained_on.items()), sorted(self.counts.unit_of.items(), key=str)))
            self._people_digest = hashlib.sha256(people).hexdigest()
        quarters = []
        if level.kind == PeriodKind.YEAR:
            quarters = [Period.quarter(level.first_day.year, q, level.time_zone) for q in (1, 2, 3, 4)]
        inside = [*months, *quarters, level]
        finality = [tuple(metrics.is_final(m, p.end, self.now) for m in PUBLISHED_OUTCOMES) for p in inside]
        payload = pickle.dumps(
            (
                CACHE_VERSION,
                self.counts.program.pk,
                self.t,
                level.key,
                self.counts.officers,
                built,
                self.counts.consents,
                self._people_digest,
                finality,
            )
        )
        return f"reports:level:{hashlib.sha256(payload).hexdigest()}"

    def _leaves_by_month(self, officer_level: bool, firsts: set[date]) -> dict[date, list]:
        """Rows grouped by month once, so each level's layout reads only its own months' rows."""
        grouped = self._by_month.setdefault(officer_level, {})
        missing = firsts - grouped.keys()
        if missing:
            for month in missing:
                grouped[month] = []
            source = self.counts.officer_cells(missing) if officer_level else self.counts.coarse
            for leaf_key, row in source.items():
                if leaf_key[2] in missing:
                    grouped[leaf_key[2]].append((leaf_key, row))
        return grouped

    # Leaves and figures -------------------------------------------------------------------------

    def _layout(self, level: Period, months: list[Period], officer_level: bool, with_trained: bool):
        """The leaves of a level and, by figure key, which leaves each figure sums (its own figures, and
        the fixed figures of its months). Worked out once per level and kind of measure."""
        cache_key = (level.key, officer_level, with_trained)
        if cache_key in self.layouts:
            return self.layouts[cache_key]
        firsts = {month.first_day for month in level.months()}
        month_keys = {month.first_day: month.key for month in months}
        key, as_of = level.key, level.last_day
        leaves, groups, fixed_groups = [], defaultdict(list), defaultdict(list)
        by_month = self._leaves_by_month(officer_level, firsts)
        # The same order as sorting every row and keeping this level's: the engine's choices follow it.
        for leaf_key, row in sorted(item for month in firsts for item in by_month.get(month, ())):
            month = leaf_key[2]
            if not row["referrals"]:
                continue
            index = len(leaves)
            leaves.append((leaf_key, row))
            if officer_level:
                officer, agency, _month = leaf_key
                trained, month_trained = self.counts.trained(officer, as_of), row["trained"]
                groups[(OFFICER, officer, key)].append(index)
                unit = self.counts.unit_of.get((officer, agency))
                if unit is not None:
                    groups[(UNIT, unit, key)].append(index)
            else:
                agency, trained, _month = leaf_key
                month_trained = trained
            groups[(PROGRAM, None, key)].append(index)
            groups[(AGENCY, agency, key)].append(index)
            if with_trained:
                groups[(TRAINED, trained, key)].append(index)
            month_key = month_keys.get(month)
            if month_key is not None:
                fixed_groups[(PROGRAM, None, month_key)].append(index)
                fixed_groups[(AGENCY, agency, month_key)].append(index)
                if with_trained:
                    fixed_groups[(TRAINED, month_trained, month_key)].append(index)
        self.layouts[cache_key] = (leaves, groups, fixed_groups)
        return self.layouts[cache_key]

    # Publishing ---------------------------------------------------------------------------------

    def _publish_level(self, level: Period, months: list[Period]) -> dict[str, dict[tuple, Published]]:
        forced: dict[str, set] = defaultdict(set)
        while True:
            result = {
                measure.key: self._publish_measure(measure, level, months, forced[measure.key]) for measure in PUBLISHED_OUTCOMES
            }
            more = self._funnel_violations(level, result)
            if all(keys <= forced[measure] for measure, keys in more.items()):
                return result
            for measure, keys in more.items():
                forced[measure] |= keys

    def _publish_measure(self, measure: Measure, level: Period, months: list[Period], forced: set):
        # Officers and units are published by quarter; quality is also split by training, for issue 5.
        officer_level = measure in OFFICER_LEVEL and level.kind == PeriodKind.QUARTER and self.counts.officers
        with_trained = measure in OFFICER_LEVEL
        if not metrics.is_final(measure, level.end, self.now):
            return {}  # PeriodOutcomes.open_measures answers for every figure of it: follow-up open
        leaves, groups, fixed_groups = self._layout(level, months, officer_level, with_trained)
        if not leaves:
            return {}
        values = [row[measure.key] for _key, row in leaves]
        wholes = [row["referrals"] for _key, row in leaves]
        figures = [
            Figure(key, frozenset(indexes), whole=sum(wholes[i] for i in indexes), rank=RANKS[key[0]])
            for key, indexes in groups.items()
        ]
        for key, indexes in fixed_groups.items():
            published = self.done[key[2]][measure.key].get(key)
            if published is not None:
                figures.append(Figure(key, frozenset(indexes), whole=sum(wholes[i] for i in indexes), fixed=published))
        coordinates = [((key[0], key[1]), key[2]) for key, _row in leaves]
        if level.kind == PeriodKind.MONTH:
            forced = forced | self._pinning(level, figures, values)
        withhold = set()
        if officer_level:
            withhold = self._unseen_parts_too_small(measure, level, leaves)
            # An officer's month is never published (officers are published by quarter), but the quarter
            # and the months of their agency could still be subtracted down to it: each small one is a
            # figure of its own, withheld, that the engine must keep from being worked out.
            for i, (leaf_key, _row) in enumerate(leaves):
                if _is_small(values[i], self.t) or _is_small(wholes[i] - values[i], self.t):
                    key = (CELL, leaf_key, level.key)
                    figures.append(Figure(key, frozenset({i}), whole=wholes[i], rank=RANKS[OFFICER]))
                    withhold.add(key)
        return self._cached_publish(measure, values, wholes, figures, forced, coordinates, withhold)

    def _pinning(self, level: Period, figures: list[Figure], values: list[int]) -> set[tuple]:
        """Figures of a month that would pin every officer's month inside them: none or all of their
        referrals ("14 of 14 engaged" says each of an officer's 8 did). Months are published without
        officers, so the engine cannot see this; such a figure is hidden whenever an officer's month
        inside it has 1 to threshold - 1 referrals, and then protected like any other."""
        cells = self._month_cells(level)
        pinned = set()
        for figure in figures:
            kind, ident, _key = figure.key
            value = sum(values[i] for i in figure.leaves)
            if not figure.whole or value not in (0, figure.whole):
                continue
            inside = [
                referrals
                for agency, trained, referrals in cells
                if kind == PROGRAM or (kind == AGENCY and agency == ident) or (kind == TRAINED and trained == ident)
            ]
            if any(_is_small(referrals, self.t) for referrals in inside):
                pinned.add(figure.key)
        return pinned

    def _month_cells(self, month: Period) -> list[tuple[int, bool, int]]:
        """(agency, trained, referrals) of each officer's month: from the rollups once it has ended."""
        if not self._cells_of_month and self.counts.built:
            # Every ended month of the page at once: one query whichever months need publishing.
            for month_key in {m.key for m in self.counts.months if m.first_day in self.counts.built}:
                self._cells_of_month[month_key] = []
            keys = {m.first_day: m.key for m in self.counts.months}
            rows = MonthRollup.objects.filter(program=self.counts.program, month__in=list(self.counts.built))
            for first, agency, trained, referrals in rows.values_list("month", "agency_id", "trained", "referrals").order_by():
                if first in keys:
                    self._cells_of_month[keys[first]].append((agency, trained, referrals))
        if month.key not in self._cells_of_month:
            if month.first_day in self.counts.built:
                rows = MonthRollup.objects.filter(program=self.counts.program, month=month.first_day)
                found = list(rows.values_list("agency_id", "trained", "referrals").order_by())
            else:
                found = [
                    (agency, row["trained"], row["referrals"])
                    for (_officer, agency, first), row in self.counts.live_cells.items()
                    if first == month.first_day
                ]
            self._cells_of_month[month.key] = found
        return self._cells_of_month[month.key]

    def _unseen_parts_too_small(self, measure: Measure, level: Period, leaves) -> set[tuple]:
        """Officers whose own total would give away the part they could not see (README rule 5).

        An officer knows the outcome of each referral they may have seen under a consent; their total
        minus that is the outcome of the others. The total is published only when those others are
        none, or both their count with the outcome and without it are 0 or at least the threshold;
        otherwise it is withheld with no label (a label would bound the unseen part too)."""
        totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for (officer, _agency, _month), row in leaves:
            totals[officer][0] += row["referrals"]
            totals[officer][1] += row[measure.key]
        seen: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for (officer, _agency, _month), row in self.counts.seen_cells(level.months()).items():
            seen[officer][0] += row["referrals"]
            seen[officer][1] += row[measure.key]
        withheld = set()
        for officer, (referrals, value) in totals.items():
            seen_referrals, seen_value = seen.get(officer, (0, 0))
            if not unseen_part_publishable(
                total=referrals, total_with=value, seen=seen_referrals, seen_with=seen_value, threshold=self.t
            ):
                withheld.add((OFFICER, officer, level.key))
        return withheld

    def _cached_publish(self, measure, values, wholes, figures, forced, coordinates, withhold) -> dict[tuple, Published]:
        signature = pickle.dumps(
            (
                CACHE_VERSION,
                self.t,
                values,
                wholes,
                [(f.key, tuple(sorted(f.leaves)), f.whole, f.rank, f.fixed) for f in figures],
                sorted(forced, key=str),
                sorted(withhold, key=str),
                coordinates,
            )
        )
        cache_key = f"reports:publish:{measure.key}:{hashlib.sha256(signature).hexdigest()}"
        found = cache.get(cache_key)
        if found is not None:
            return found
        published = publish_linked(
            values,
            wholes,
            figures,
            self.t,
            hide=sorted(forced & {f.key for f in figures}, key=str),
            withhold=sorted(withhold & {f.key for f in figures}, key=str),
            coordinates=coordinates,
        )
        cache.set(cache_key, published, CACHE_SECONDS)
        return published

    def _funnel_violations(self, level: Period, result) -> dict[str, set]:
        """Stages of one scope shown within 1..threshold-1 of the last shown stage must be hidden too."""
        firsts = {month.first_day for month in level.months()}
        referrals: dict[tuple, int] = defaultdict(int)
        for (agency, _trained, month), row in self.counts.coarse.items():
            if month in firsts:
                referrals[(PROGRAM, None, level.key)] += row["referrals"]
                referrals[(AGENCY, agency, level.key)] += row["referrals"]
        violations: dict[str, set] = defaultdict(set)
        for scope, total in referrals.items():
            last = total
            for measure in FUNNEL_STAGES:
                figure = result[measure.key].get(scope)
                if figure is None or figure.is_suppressed:
                    continue
                if _is_small(last - figure.value, self.t):
                    violations[measure.key].add(scope)
                else:
                    last = figure.value
        return violations

    def _sum_of_quarters(self, year: Period) -> dict[str, dict[tuple, Published]]:
        """A year's figure is the sum of its four quarters' when all are shown, else withheld.

        It then tells a reader nothing the quarters had not: no new figure to subtract. While a measure's
        follow-up window is open for the year, nothing of it is published (PeriodOutcomes.open_measures),
        and a year with every window open needs no quarter at all."""
        result: dict[str, dict[tuple, Published]] = {m.key: {} for m in PUBLISHED_OUTCOMES}
        final_measures = [m for m in PUBLISHED_OUTCOMES if metrics.is_final(m, year.end, self.now)]
        if not final_measures:
            return result
        quarters = [Period.quarter(year.first_day.year, q, year.time_zone) for q in (1, 2, 3, 4)]
        published = [self.publish(quarter) for quarter in quarters]
        for measure in final_measures:
            parts: dict[tuple, list[Published | None]] = defaultdict(lambda: [None] * 4)
            for n, (quarter_period, quarter) in enumerate(zip(quarters, published, strict=True)):
                for (level, ident, key), figure in quarter[measure.key].items():
                    if key != quarter_period.key or level in (TRAINED, CELL):
                        # The months fixed inside the quarter; and trained groups, which are as of each
                        # quarter's end and so not one group over a year.
                        continue
                    parts[(level, ident)][n] = figure
            figures = {}
            for (level, ident), quarter_figures in parts.items():
                reasons = {f.reason for f in quarter_figures if f is not None and f.is_suppressed}
                key = (level, ident, year.key)
                if Reason.FOLLOW_UP_OPEN in reasons:
                    figures[key] = Published.hidden(Reason.FOLLOW_UP_OPEN, self.t)
                elif reasons:
                    figures[key] = Published.hidden(Reason.WITHHELD, self.t)
                else:
                    figures[key] = Published(sum(f.value for f in quarter_figures if f is not None), self.t)
            result[measure.key] = figures
        return result


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


def publish_outcomes(counts: ProgramCounts, periods: Iterable[Period], now: datetime) -> dict[str, PeriodOutcomes]:
    """Published outcome figures and referral counts for each period (custom ranges: referrals only)."""
    publisher = _Publisher(counts, now)
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
        result[period.key] = outcomes
    return result
