"""Publishing one period at every level: months on their own, quarters with their months fixed,
years as the sums of their quarters (reports.outcomes says why; reports.publication decides).

`LevelPublisher` lays each period's leaves and figures out of a ProgramCounts, runs the linked
engine per measure, hides funnel stages too close to the stage before, and keeps every published
level by the inputs it came from: in the cache, and for a final level (every month counted into
the rollups and every measure's follow-up window closed) in the database too, since such a level
can never change while its inputs do not; so a cold cache (a flush, a deploy) costs a database read
instead of the search. A final level a page showed keeps its referral totals beside its figures, so a
page of final periods is read back from its rows alone (`stored_pages`), without loading any counts.

Past 500 lines because it is one class: laying out a level, publishing it and keeping it (cache and
rows) share the publisher's per-page state (layouts, rows read once, levels pending a write), which a
split would hand back and forth between modules.
"""

from __future__ import annotations

import hashlib
import pickle
import zlib
from collections import defaultdict
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import Q

from deflection.suppression import Published, Reason, _is_small, unseen_part_publishable
from reports import metrics
from reports.metrics import Measure
from reports.models import MonthRollup, PublishedLevel
from reports.periods import Period, PeriodKind
from reports.publication import Figure, publish_linked

if TYPE_CHECKING:
    from reports.outcomes import ProgramCounts

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

# Entries are keyed by their inputs (never stale); those not read for a week make way.
CACHE_SECONDS = 7 * 24 * 3600
CACHE_VERSION = 6
LEVEL_PREFIX = "reports:level:"
# Beside a level's cached figures: its stored row holds the referral totals too (nothing to write again).
KEPT_PREFIX = "reports:kept:"

# Figure keys are (level, id, period key); ranks say which to keep when one must be hidden for another.
OFFICER, UNIT, AGENCY, TRAINED, PROGRAM = "officer", "unit", "agency", "trained", "program"
CELL = "cell"  # one officer's month in one agency: never shown, only protected
RANKS = {OFFICER: 0, UNIT: 1, AGENCY: 2, TRAINED: 2, PROGRAM: 3}


def _pack(value) -> bytes:
    return zlib.compress(pickle.dumps(value, pickle.HIGHEST_PROTOCOL), 1)


def _unpack(stored: bytes):
    # Written only by _pack here, from the same objects the cache holds (pickled there too).
    return pickle.loads(zlib.decompress(stored))  # noqa: S301


def _shared(published: dict[str, dict[tuple, Published]]) -> dict[str, dict[tuple, Published]]:
    """The same figures with equal ones as one object: thousands of officers share a few hundred distinct
    figures, and pickle then stores (and the cache read rebuilds) each distinct figure once."""
    canonical: dict[Published, Published] = {}
    return {measure: {key: canonical.setdefault(f, f) for key, f in figures.items()} for measure, figures in published.items()}


class LevelPublisher:
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
        # Stored levels, read on first need: (period, inputs) -> (figures, whether referral totals are kept).
        self._rows: dict[tuple[str, str], tuple[bytes, bool]] | None = None
        self._pending: dict[str, PublishedLevel] = {}  # final levels published afresh, saved together
        self._kept: set[str] = set()  # levels whose stored row holds their referral totals

    def publish(self, level: Period) -> dict[str, dict[tuple, Published]]:
        if level.key not in self.done:
            cache_key, final = self._level_cache_key(level)
            found = cache.get(cache_key) if cache_key else None
            if found is not None:
                # Keys name their inputs, so an entry never goes stale: keep the ones still in use.
                cache.touch(cache_key, CACHE_SECONDS)
                self.done[level.key] = found
                return found
            if final:
                found = self._stored(level, cache_key)
                if found is not None:
                    cache.set(cache_key, found, CACHE_SECONDS)
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
                shared = _shared(self.done[level.key])
                cache.set(cache_key, shared, CACHE_SECONDS)
                if final:
                    self._store(level, cache_key, shared)
        return self.done[level.key]

    def _level_cache_key(self, level: Period) -> tuple[str | None, bool]:
        """A key for one level's published figures, built from everything they depend on, and whether
        the level is final (then its figures are kept in the database too).

        A level depends only on its own months (a quarter fixes its months, a year sums its quarters),
        so it is cached on its own and any page that combines it with other periods reuses it. Levels
        with a month not yet counted into the rollups (the month in progress) are not cached. A level
        is final when, besides, every measure's follow-up window has closed for it and for every period
        inside it: nothing but a change of its inputs (which changes the key) can change it again.
        """
        months = level.months()
        built = [self.counts.built.get(month.first_day) for month in months]
        if any(stamp is None for stamp in built):
            return None, False
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
        final = all(all(measures) for measures in finality)
        return f"{LEVEL_PREFIX}{hashlib.sha256(payload).hexdigest()}", final

    def _stored(self, level: Period, cache_key: str) -> dict[str, dict[tuple, Published]] | None:
        """The level's figures as published earlier from the same inputs, if the database has them.

        The first look reads the stored rows of every level the counts' months make up at once (one
        query whatever the page publishes); the rest are answered from them.
        """
        if self._rows is None:
            keys = set()
            for month in self.counts.months:
                if month.kind == PeriodKind.MONTH:
                    year, number = month.first_day.year, month.first_day.month
                    keys |= {month.key, Period.quarter(year, (number - 1) // 3 + 1, month.time_zone).key, str(year)}
            rows = PublishedLevel.objects.filter(program=self.counts.program, officers=self.counts.officers, period__in=keys)
            found = rows.values_list("period", "inputs", "figures", Q(referrals__isnull=False))
            self._rows = {(period, inputs): (figures, kept) for period, inputs, figures, kept in found}
        row = self._rows.get((level.key, cache_key.removeprefix(LEVEL_PREFIX)))
        if row is None:
            return None
        if row[1]:
            self._kept.add(level.key)
            cache.set(f"{KEPT_PREFIX}{cache_key.removeprefix(LEVEL_PREFIX)}", True, CACHE_SECONDS)
        return _unpack(row[0])

    def _store(self, level: Period, cache_key: str, figures: dict[str, dict[tuple, Published]]) -> None:
        self._pending[level.key] = PublishedLevel(
            program=self.counts.program,
            period=level.key,
            officers=self.counts.officers,
            inputs=cache_key.removeprefix(LEVEL_PREFIX),
            figures=_pack(figures),
            referrals=None,  # kept by keep_referrals when a page shows this level
        )

    def keep_referrals(self, level: Period, referrals: dict[tuple, int]) -> None:
        """Keep a final level's referral totals, as a page shows them, beside its figures (written by
        save_stored), so that the next page of it reads both back without counting (stored_pages).

        The totals come from the same counts as the figures (the ended months named by the level's
        inputs, the units and training dates in them), so the row's inputs name them too."""
        if level.key in self._kept or level.key not in self.done:
            return
        cache_key, final = self._level_cache_key(level)
        if not final:
            return
        inputs = cache_key.removeprefix(LEVEL_PREFIX)
        row = self._pending.get(level.key)
        if row is None and cache.get(f"{KEPT_PREFIX}{inputs}"):
            self._kept.add(level.key)  # figures from the cache, and the row was completed before
            return
        if row is None:
            stored = (self._rows or {}).get((level.key, inputs))
            row = self._pending[level.key] = PublishedLevel(
                program=self.counts.program,
                period=level.key,
                officers=self.counts.officers,
                inputs=inputs,
                figures=stored[0] if stored else _pack(_shared(self.done[level.key])),
            )
        row.referrals = _pack(referrals)
        self._kept.add(level.key)

    def stored_pages(self, periods: list[Period]) -> dict[str, tuple[dict[str, dict[tuple, Published]], dict[tuple, int]]] | None:
        """Each period's figures and referral totals as a page showed them before from the same inputs,
        in one query; None unless every period is final and its row holds both (then the page counts)."""
        wanted = {}
        for period in periods:
            if period.kind == PeriodKind.CUSTOM:
                return None
            cache_key, final = self._level_cache_key(period)
            if not final:
                return None
            wanted[period.key] = cache_key.removeprefix(LEVEL_PREFIX)
        rows = PublishedLevel.objects.filter(
            program=self.counts.program, officers=self.counts.officers, period__in=list(wanted), referrals__isnull=False
        ).values_list("period", "inputs", "figures", "referrals")
        found = {period: (figures, referrals) for period, inputs, figures, referrals in rows if wanted[period] == inputs}
        if found.keys() != wanted.keys():
            return None
        return {period: (_unpack(figures), _unpack(referrals)) for period, (figures, referrals) in found.items()}

    def save_stored(self) -> None:
        """Write the final levels published afresh, in one statement (a row per level, replaced)."""
        if self._pending:
            PublishedLevel.objects.bulk_create(
                list(self._pending.values()),
                update_conflicts=True,
                unique_fields=["program", "period", "officers"],
                # A row replaced for new inputs drops totals kept for the old ones (None unless kept anew).
                update_fields=["inputs", "figures", "referrals", "published_at"],
            )
            kept = {f"{KEPT_PREFIX}{row.inputs}": True for row in self._pending.values() if row.referrals is not None}
            if kept:
                cache.set_many(kept, CACHE_SECONDS)
            self._pending.clear()

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
