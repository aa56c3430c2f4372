"""Outcome figures as every report outside the treatment team may show them.

One call publishes every outcome measure of a period at every level a page can show — officer,
unit, agency, trained and untrained officers, the program — through reports.publication, so the
leaderboard, the dashboard, the evaluation sheet and the newsletters all show the same figure the
same way, and no two of them can be subtracted to reveal a small count:

* months are published first, each on its own; a quarter is published with its months fixed, a year
  with its months and quarters fixed, so a longer period never gives a hidden month away;
* funnel stages (contacted, engaged, retained 30 and 90 days) of one program or agency are shown only
  when they differ from the last shown stage by 0 or by at least the threshold;
* an outcome is published only once its follow-up window has closed (reports.metrics.is_final): a
  figure that still grows would let two editions be subtracted;
* custom date ranges get referral counts only: two overlapping ranges would give a day's outcomes away.

Referral counts are not health information and are shown as they are. Publications are cached by
their inputs (the raw counts themselves), so a page shows exactly what was computed for the same data
and repeat views skip the work.
"""

from __future__ import annotations

import hashlib
import pickle
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.cache import cache
from django.db.models import Min

from deflection.models import Membership, Program, Role
from reports import metrics
from reports.metrics import Measure
from reports.periods import Period, PeriodKind
from reports.publication import Figure, publish_linked
from reports.suppression import Published, Reason, _is_small

# Who counts as a referring officer (the leaderboard's rows, the training comparison's groups).
REFERRING_ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.COMMAND)

# Quality referrals are published down to each officer; the rest per agency and for the program.
OFFICER_LEVEL = (metrics.QUALITY,)
AGENCY_LEVEL = (
    metrics.CONTACTED,
    metrics.RETAINED_30,
    metrics.RETAINED_90,
    metrics.DECLINED,
    metrics.UNABLE_TO_CONTACT,
    metrics.RE_REFERRALS,
)
PUBLISHED_OUTCOMES = (*OFFICER_LEVEL, *AGENCY_LEVEL)
FUNNEL_STAGES = (metrics.CONTACTED, metrics.QUALITY, metrics.RETAINED_30, metrics.RETAINED_90)

CACHE_SECONDS = 6 * 3600
CACHE_VERSION = 1

# Figure keys: (level, id, period key); ranks say which to keep when one must be hidden for another.
OFFICER, UNIT, AGENCY, TRAINED, PROGRAM = "officer", "unit", "agency", "trained", "program"
RANKS = {OFFICER: 0, UNIT: 1, AGENCY: 2, TRAINED: 2, PROGRAM: 3}


@dataclass
class ProgramCounts:
    """Raw counts of one program for a span of months, per (officer, agency, month), with who is where."""

    program: Program
    first_month: Period
    last_month: Period
    # (officer_id, agency_id, month first day) -> {measure key: count}
    cells: dict[tuple[int, int, date], dict[str, int]]
    unit_of: dict[tuple[int, int], int | None]
    # officer id -> the local date they completed the core curriculum (absent: not completed)
    trained_on: dict[int, date]

    @property
    def threshold(self) -> int:
        return self.program.suppression_threshold


def program_agency_ids(program: Program) -> set[int]:
    """The program's lead and partner agencies, asked once per request (pages need them several times)."""
    cached = getattr(program, "_reports_agency_ids", None)
    if cached is None:
        cached = program._reports_agency_ids = program.agency_ids()
    return set(cached)


def core_completion_dates(program: Program) -> dict[int, date]:
    """When each person completed the program's core curriculum: the day they had attended every
    active core course at least once (the definition of training.selectors.core_curriculum_completer_ids,
    as a date per person so that one query serves every period)."""
    from training.models import Attendance, Course  # noqa: PLC0415  (training builds on reports' neighbours)
    from training.selectors import program_tz  # noqa: PLC0415

    core = list(Course.objects.filter(program=program, is_core=True, is_active=True).values_list("id", flat=True))
    if not core:
        return {}
    tz = program_tz(program)
    firsts: dict[int, list] = defaultdict(list)
    rows = (
        Attendance.objects.filter(session__course_id__in=core)
        .values("user_id", "session__course_id")
        .annotate(first=Min("session__starts_at"))
        .order_by()
    )
    for row in rows:
        firsts[row["user_id"]].append(row["first"])
    return {user: max(times).astimezone(tz).date() for user, times in firsts.items() if len(times) == len(core)}


def load_counts(program: Program, first_month: Period, last_month: Period) -> ProgramCounts:
    """Three queries: the counts per month, where each officer sits, who completed the core curriculum.

    For a custom range pass the same custom period twice: its counts form one bucket, keyed by its
    first day (outcomes are not published for custom ranges; referral counts are).
    """
    custom = first_month.kind == PeriodKind.CUSTOM
    rows = metrics.counts(
        program=program,
        start=first_month.start,
        end=last_month.end,
        by=("officer_id", "agency_id"),
        monthly=not custom,
        measures=(metrics.REFERRALS, *PUBLISHED_OUTCOMES, metrics.ACKNOWLEDGED),
    )
    if custom:
        for row in rows:
            row["month"] = first_month.first_day
    cells = {(row["officer_id"], row["agency_id"], row["month"]): row for row in rows}
    unit_of = {
        (user_id, agency_id): unit_id
        for user_id, agency_id, unit_id in Membership.objects.filter(
            agency_id__in=program_agency_ids(program), role__in=REFERRING_ROLES
        ).values_list("user_id", "agency_id", "unit_id")
    }
    return ProgramCounts(program, first_month, last_month, cells, unit_of, core_completion_dates(program))


@dataclass
class PeriodOutcomes:
    """Every published outcome figure of one period, by measure and figure key."""

    period: Period
    threshold: int
    figures: dict[str, dict[tuple, Published]] = field(default_factory=dict)
    referrals: dict[tuple, int] = field(default_factory=dict)  # shown as they are

    def get(self, measure: Measure, level: str, ident=None) -> Published:
        if measure is metrics.REFERRALS:
            return Published.shown(self.referrals.get((level, ident), 0), self.threshold)
        if self.period.kind == PeriodKind.CUSTOM:
            return _hidden(Reason.WITHHELD, self.threshold)
        found = self.figures.get(measure.key, {}).get((level, ident, self.period.key))
        if found is None:
            # Nothing of this figure exists (no referrals there): zero of zero hides nothing.
            return Published.shown(0, self.threshold)
        return found


def _hidden(reason: Reason, threshold: int) -> Published:
    return Published.hidden(reason, threshold)


class _Publisher:
    """Publishes months, then quarters, then years, each level with the levels below it fixed."""

    def __init__(self, counts: ProgramCounts, now: datetime):
        self.counts = counts
        self.now = now
        self.t = counts.threshold
        self.done: dict[str, dict[str, dict[tuple, Published]]] = {}  # period key -> measure -> figures

    # Leaves and figures -------------------------------------------------------------------------

    def _cells(self, months: Sequence[Period]) -> list[tuple[tuple[int, int, date], dict]]:
        firsts = {month.first_day for month in months}
        return sorted(
            ((key, row) for key, row in self.counts.cells.items() if key[2] in firsts and row["referrals"]),
            key=lambda item: item[0],
        )

    def _groups(self, level: Period, cells, officer_level: bool) -> dict[tuple, list[int]]:
        """Figure key -> leaf indexes, for one level period. Agency-level measures have one leaf per
        (agency, month) after merging, so only agencies and the program are published for them."""
        groups: dict[tuple, list[int]] = defaultdict(list)
        as_of = level.last_day
        for index, ((officer, agency, _month), _row) in enumerate(cells):
            groups[(PROGRAM, None, level.key)].append(index)
            groups[(AGENCY, agency, level.key)].append(index)
            if officer_level:
                groups[(OFFICER, officer, level.key)].append(index)
                unit = self.counts.unit_of.get((officer, agency))
                if unit is not None:
                    groups[(UNIT, unit, level.key)].append(index)
                trained_on = self.counts.trained_on.get(officer)
                groups[(TRAINED, trained_on is not None and trained_on <= as_of, level.key)].append(index)
        return groups

    @staticmethod
    def _agency_cells(cells):
        merged: dict[tuple, dict[str, int]] = {}
        for (_officer, agency, month), row in cells:
            target = merged.setdefault((0, agency, month), defaultdict(int))
            for key, value in row.items():
                if isinstance(value, int):
                    target[key] += value
        return sorted(merged.items(), key=lambda item: item[0])

    def _sub_periods(self, level: Period) -> list[Period]:
        if level.kind == PeriodKind.MONTH:
            return []
        if level.kind == PeriodKind.QUARTER:
            return level.months()
        quarters = [Period.quarter(level.first_day.year, q, level.time_zone) for q in (1, 2, 3, 4)]
        return [*level.months(), *quarters]

    # Publishing ---------------------------------------------------------------------------------

    def publish(self, level: Period) -> dict[str, dict[tuple, Published]]:
        if level.key in self.done:
            return self.done[level.key]
        subs = self._sub_periods(level)
        for sub in subs:
            self.publish(sub)
        months = level.months()
        officer_cells = self._cells(months)
        agency_cells = self._agency_cells(officer_cells)
        forced: dict[str, set] = defaultdict(set)
        result: dict[str, dict[tuple, Published]] = {}
        while True:
            for measure in PUBLISHED_OUTCOMES:
                cells = officer_cells if measure in OFFICER_LEVEL else agency_cells
                result[measure.key] = self._publish_measure(
                    measure, level, subs, cells, measure in OFFICER_LEVEL, forced[measure.key]
                )
            more = self._funnel_violations(level, result, agency_cells)
            if all(keys <= forced[measure] for measure, keys in more.items()):
                break
            for measure, keys in more.items():
                forced[measure] |= keys
        self.done[level.key] = result
        return result

    def _publish_measure(self, measure, level, subs, cells, officer_level, forced) -> dict[tuple, Published]:
        final = metrics.is_final(measure, level.end, self.now)
        groups = self._groups(level, cells, officer_level)
        if not final:
            return {key: _hidden(Reason.FOLLOW_UP_OPEN, self.t) for key in groups}
        values = [row[measure.key] for _key, row in cells]
        wholes = [row["referrals"] for _key, row in cells]
        figures = [
            Figure(key, frozenset(leaves), whole=sum(wholes[i] for i in leaves), rank=RANKS[key[0]])
            for key, leaves in groups.items()
        ]
        # The same figures over the smaller periods inside, as they were published.
        for sub in subs:
            published = self.done[sub.key][measure.key]
            sub_groups = self._groups(sub, cells, officer_level)
            for key, leaves in sub_groups.items():
                leaves = [i for i in leaves if cells[i][0][2] in {m.first_day for m in sub.months()}]
                if key in published and leaves:
                    figures.append(Figure(key, frozenset(leaves), whole=sum(wholes[i] for i in leaves), fixed=published[key]))
        if not figures:
            return {}
        coordinates = [((officer, agency), month) for (officer, agency, month), _row in cells]
        return self._cached_publish(measure, values, wholes, figures, forced, coordinates)

    def _cached_publish(self, measure, values, wholes, figures, forced, coordinates) -> dict[tuple, Published]:
        signature = pickle.dumps(
            (
                CACHE_VERSION,
                self.t,
                values,
                wholes,
                sorted(((f.key, tuple(sorted(f.leaves)), f.whole, f.rank, f.fixed) for f in figures), key=str),
                sorted(forced, key=str),
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
            coordinates=coordinates,
        )
        cache.set(cache_key, published, CACHE_SECONDS)
        return published

    def _funnel_violations(self, level, result, agency_cells) -> dict[str, set]:
        """Stages of one scope shown within 1..threshold-1 of the last shown stage must be hidden too."""
        referrals: dict[tuple, int] = defaultdict(int)
        for (_zero, agency, _month), row in agency_cells:
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


def publish_outcomes(counts: ProgramCounts, periods: Iterable[Period], now: datetime) -> dict[str, PeriodOutcomes]:
    """Published outcome figures for each period (months, quarters, years; custom ranges withheld)."""
    publisher = _Publisher(counts, now)
    result = {}
    for period in periods:
        outcomes = PeriodOutcomes(period, counts.threshold)
        buckets = {period.first_day} if period.kind == PeriodKind.CUSTOM else {m.first_day for m in period.months()}
        for (officer, agency, month), row in counts.cells.items():
            if month in buckets:
                n = row["referrals"]
                outcomes.referrals[(PROGRAM, None)] = outcomes.referrals.get((PROGRAM, None), 0) + n
                outcomes.referrals[(AGENCY, agency)] = outcomes.referrals.get((AGENCY, agency), 0) + n
                outcomes.referrals[(OFFICER, officer)] = outcomes.referrals.get((OFFICER, officer), 0) + n
                unit = counts.unit_of.get((officer, agency))
                if unit is not None:
                    outcomes.referrals[(UNIT, unit)] = outcomes.referrals.get((UNIT, unit), 0) + n
                trained_on = counts.trained_on.get(officer)
                group = (TRAINED, trained_on is not None and trained_on <= period.last_day)
                outcomes.referrals[group] = outcomes.referrals.get(group, 0) + n
        if period.kind != PeriodKind.CUSTOM:
            outcomes.figures = publisher.publish(period)
        result[period.key] = outcomes
    return result
