"""Small-cell suppression for every figure that leaves the case-management team.

DOMAIN.md, "Aggregated data and privacy" (the CMS cell size suppression policy): a count from 1 to
``threshold - 1`` is never shown (zero may be), and no such count may be worked out from totals, other
cells, percentages or an earlier edition. Builders hand raw counts to this module and pass on only the
`Published` figures it returns; a hidden figure carries no value, so no page, chart or PDF can leak it.

What a reader is assumed to know: every shown figure; how totals relate to their parts; that
"fewer than 11" means 1 to 10; and that "not shown" (hidden to protect another figure) means 11 or
more, since smaller ones already say "fewer than 11". Against that reader:

* Tables and lists with totals: for every hidden figure there is another table of whole numbers,
  different in that figure, that agrees with everything shown and with those ranges, so no hidden
  figure can be solved for, by subtraction along one row or column or by any combination of rows and
  columns. Complementary suppression makes sure of it by hiding, for each small count, the cheapest
  cycle of figures (a rectangle or longer, totals included) around which 1 can be moved without
  changing any shown sum or leaving those ranges; the larger figures are kept, totals most of all.
* Running totals and funnels: a figure is shown only when it differs from the last shown one by 0 or
  by at least the threshold, so no period's count, and no number of people lost between two stages,
  can be found by subtracting two shown figures, within an edition or across editions.
* Rates: shown only when the denominator reaches the threshold and neither part is hidden.

Not guaranteed: that the reader cannot narrow a hidden figure to part of its range (a small count
beside a "not shown" 11 may be known to be 1 or 2), nor protection against a reader who replays this
deterministic algorithm on guesses to see which guess would have hidden the same figures.

Figures that are published together must come from one call: the by-pathway chart under a
pathway-by-agency table uses ``table.column_series()``, not a second `suppress_series`, otherwise a
figure hidden in one place can be shown in the other.

Longer than 500 lines because it is one algorithm (complementary suppression and its running-total and
rate rules) whose parts must agree; splitting it would scatter what a reviewer has to check together.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

DEFAULT_THRESHOLD = 11
# The CMS rule; a program may only choose a stricter (larger) threshold.
MINIMUM_THRESHOLD = 11

NOT_SHOWN = "not shown"


class Reason(StrEnum):
    SMALL_COUNT = "small_count"  # the count itself is from 1 to threshold - 1
    COMPLEMENTARY = "complementary"  # hidden so that a small count cannot be worked out from it
    SMALL_DENOMINATOR = "small_denominator"  # a rate over fewer people than the threshold
    HIDDEN_PART = "hidden_part"  # a rate whose numerator, denominator or complement is hidden
    # Added for reports.publication and reports.metrics:
    WITHHELD = "withheld"  # the whole measure is withheld: no hiding pattern protects its small counts
    FOLLOW_UP_OPEN = "follow_up_open"  # an outcome whose follow-up window has not closed yet


WITHHELD = "withheld"
FOLLOW_UP_OPEN = "follow-up still open"


def fewer_than(threshold: int) -> str:
    return f"fewer than {threshold}"


def suppression_note(threshold: int = DEFAULT_THRESHOLD) -> str:
    """The footnote for any page, chart or PDF that shows suppressed figures."""
    return (
        f"To protect participants' privacy, counts from 1 to {threshold - 1} are shown as "
        f"“{fewer_than(threshold)}”, and figures marked “{NOT_SHOWN}” are withheld so that those "
        "counts cannot be worked out from totals, percentages or other editions."
    )


@dataclass(frozen=True, slots=True)
class Published:
    """One count as it may be shown: its value, or why it is hidden (and then no value at all)."""

    value: int | None
    threshold: int = DEFAULT_THRESHOLD
    reason: Reason | None = None

    def __post_init__(self):
        if (self.value is None) == (self.reason is None):
            raise ValueError("a Published figure has either a value or a reason for hiding it")

    def __reduce__(self):
        # Published levels are cached by the thousand; rebuilding through __init__ unpickles several
        # times faster than the default for a frozen, slotted dataclass (and re-checks the invariant).
        return (Published, (self.value, self.threshold, self.reason))

    @classmethod
    def shown(cls, value: int, threshold: int = DEFAULT_THRESHOLD) -> Published:
        """A figure that is not health information (e.g. referrals an officer made) and is shown as it is."""
        return cls(_count(value), _check_threshold(threshold))

    @classmethod
    def hidden(cls, reason: Reason, threshold: int = DEFAULT_THRESHOLD) -> Published:
        return cls(None, _check_threshold(threshold), reason)

    @property
    def is_suppressed(self) -> bool:
        return self.reason is not None

    @property
    def display(self) -> str:
        if self.value is not None:
            return f"{self.value:,}"
        if self.reason == Reason.SMALL_COUNT:
            return fewer_than(self.threshold)
        if self.reason == Reason.WITHHELD:
            return WITHHELD
        if self.reason == Reason.FOLLOW_UP_OPEN:
            return FOLLOW_UP_OPEN
        return NOT_SHOWN

    def __str__(self) -> str:
        return self.display


@dataclass(frozen=True, slots=True)
class Rate:
    """A share (0 to 1) as it may be shown, or why it is hidden."""

    value: float | None
    threshold: int = DEFAULT_THRESHOLD
    reason: Reason | None = None
    decimals: int = 0

    @property
    def is_suppressed(self) -> bool:
        return self.reason is not None

    @property
    def percent(self) -> float | None:
        return None if self.value is None else self.value * 100

    @property
    def display(self) -> str:
        if self.value is None:
            return {Reason.FOLLOW_UP_OPEN: FOLLOW_UP_OPEN, Reason.WITHHELD: WITHHELD}.get(self.reason, NOT_SHOWN)
        return f"{self.value * 100:.{self.decimals}f}%"

    def __str__(self) -> str:
        return self.display


@dataclass(frozen=True)
class SuppressedSeries:
    """A list of figures (e.g. referrals by pathway) and, when it is published, their total."""

    values: dict[str, Published]
    total: Published | None
    threshold: int

    def __iter__(self):
        return iter(self.values.items())

    @property
    def has_suppressed(self) -> bool:
        figures = [*self.values.values(), *([self.total] if self.total else [])]
        return any(figure.is_suppressed for figure in figures)


@dataclass(frozen=True)
class SuppressedTable:
    """A two-way table with row totals, column totals and a grand total, safe to publish together."""

    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    cells: dict[str, dict[str, Published]]
    row_totals: dict[str, Published]
    column_totals: dict[str, Published]
    grand_total: Published
    threshold: int

    def cell(self, row: str, column: str) -> Published:
        return self.cells[row][column]

    def rows(self) -> list[tuple[str, list[Published], Published]]:
        """(row label, cells in column order, row total) for templates and exports."""
        return [
            (row, [self.cells[row][column] for column in self.column_labels], self.row_totals[row]) for row in self.row_labels
        ]

    def row_series(self) -> SuppressedSeries:
        """The row totals with the grand total, to chart them consistently with this table."""
        return SuppressedSeries(dict(self.row_totals), self.grand_total, self.threshold)

    def column_series(self) -> SuppressedSeries:
        """The column totals with the grand total, to chart them consistently with this table."""
        return SuppressedSeries(dict(self.column_totals), self.grand_total, self.threshold)

    @property
    def has_suppressed(self) -> bool:
        figures = [*self.row_totals.values(), *self.column_totals.values(), self.grand_total]
        figures += [figure for row in self.cells.values() for figure in row.values()]
        return any(figure.is_suppressed for figure in figures)


def _check_threshold(threshold: int) -> int:
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise TypeError("the suppression threshold is a whole number")
    if threshold < MINIMUM_THRESHOLD:
        raise ValueError(f"the suppression threshold may not be below {MINIMUM_THRESHOLD} (the CMS rule)")
    return threshold


def _count(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"a count must be a whole number, not {value!r}")
    if value < 0:
        raise ValueError(f"a count cannot be negative ({value})")
    return value


def _is_small(value: int, threshold: int) -> bool:
    return 0 < value < threshold


def unseen_part_publishable(*, total: int, total_with: int, seen: int, seen_with: int, threshold: int) -> bool:
    """Whether an officer's own total may be published beside what consent showed them (reports/README.md rule 5).

    The officer knows the outcome of each of the `seen` referrals (`seen_with` of them with the outcome),
    so their total minus that is the outcome of the others. Publishable only when the others are none, or
    both their count with the outcome and without it are 0 or at least the threshold. The one home of
    the rule: the reports' engine and the officer's outcome summary both ask it.
    """
    # Frozen rollups can trail a late status; never let the seen part exceed the total.
    unseen = max(0, total - seen)
    unseen_with = max(0, min(total_with - seen_with, unseen))
    return not unseen or not (_is_small(unseen_with, threshold) or _is_small(unseen - unseen_with, threshold))


def _fits(value: int, change: int, threshold: int) -> bool:
    """Whether `value + change` lies in the range a reader knows for this hidden figure."""
    new = value + change
    if _is_small(value, threshold):
        return 1 <= new < threshold
    return new >= threshold


def _publish(value: int, hidden: bool, threshold: int) -> Published:
    if not hidden:
        return Published(value, threshold)
    reason = Reason.SMALL_COUNT if _is_small(value, threshold) else Reason.COMPLEMENTARY
    return Published(None, threshold, reason)


def publish_count(value: int, threshold: int = DEFAULT_THRESHOLD) -> Published:
    """A count published on its own, with no total or related figure beside it."""
    threshold = _check_threshold(threshold)
    value = _count(value)
    return _publish(value, _is_small(value, threshold), threshold)


# Lists with a total -------------------------------------------------------------------------------


def _protect_line(values: Sequence[int], orientations: Sequence[int], threshold: int) -> set[int]:
    """Indexes to hide in one line whose entries satisfy sum(value * orientation) == 0.

    Orientation is +1 for a part and -1 for the total. A hidden entry can be moved by +1 or -1
    (times its orientation) against another hidden entry moved the other way; every small count gets
    such a partner, the cheapest one if it has none yet.
    """

    def can_move(index: int, direction: int) -> bool:
        return values[index] > 0 and _fits(values[index], direction * orientations[index], threshold)

    hidden = {index for index, value in enumerate(values) if _is_small(value, threshold)}
    up = sum(can_move(index, +1) for index in hidden)
    down = sum(can_move(index, -1) for index in hidden)
    # Keep totals and large figures: the partner is the smallest part, then the total.
    partners = sorted(
        (index for index, value in enumerate(values) if value >= threshold),
        key=lambda index: (orientations[index] < 0, values[index], index),
    )
    for index in sorted(hidden):
        index_up, index_down = can_move(index, +1), can_move(index, -1)
        if (index_up and down - can_move(index, -1) > 0) or (index_down and up - can_move(index, +1) > 0):
            continue
        for partner in partners:
            if partner in hidden:
                continue
            if (index_up and can_move(partner, -1)) or (index_down and can_move(partner, +1)):
                hidden.add(partner)
                up += can_move(partner, +1)
                down += can_move(partner, -1)
                break
        else:  # pragma: no cover - with the total in the line a partner always exists (see tests)
            raise AssertionError("no complementary cell protects this count")
    return hidden


def suppress_series(
    values: Mapping[str, int], threshold: int = DEFAULT_THRESHOLD, *, with_total: bool = True
) -> SuppressedSeries:
    """Suppress a list of counts (e.g. referrals by pathway) that is published with its total or without."""
    threshold = _check_threshold(threshold)
    labels = list(values)
    counts = [_count(values[label]) for label in labels]
    if not with_total:
        return SuppressedSeries(
            {label: _publish(count, _is_small(count, threshold), threshold) for label, count in zip(labels, counts, strict=True)},
            None,
            threshold,
        )
    line = [*counts, sum(counts)]
    hidden = _protect_line(line, [1] * len(counts) + [-1], threshold)
    published = [_publish(value, index in hidden, threshold) for index, value in enumerate(line)]
    return SuppressedSeries(dict(zip(labels, published[:-1], strict=True)), published[-1], threshold)


# Two-way tables -----------------------------------------------------------------------------------


class SuppressionError(ValueError):
    """No pattern of hidden figures can protect a count in this table; publish it without totals."""


class _Grid:
    """A table extended by its totals: row R holds the column totals, column C the row totals.

    Counting a total as minus itself, every row and every column of the extended grid sums to zero.
    Think of rows and columns as nodes and of each non-zero figure as an arc that says how it may move:
    row -> column if it can grow by 1 (a total: shrink), column -> row if it can shrink by 1. Adding 1
    to every figure on a row -> column arc and taking 1 from every figure on a column -> row arc of a
    directed cycle keeps every sum and stays within what the labels tell a reader. So a hidden figure
    cannot be worked out as long as it lies on such a cycle of hidden figures; conversely any other
    table consistent with the published figures is made of such cycles, so if no cycle exists even
    with everything hidden, nothing can protect the figure.
    """

    def __init__(self, counts: list[list[int]], column_count: int, threshold: int):
        self.threshold = threshold
        self.R = len(counts)
        self.C = column_count
        column_totals = [sum(row[column] for row in counts) for column in range(column_count)]
        self.values = [[*row, sum(row)] for row in counts] + [[*column_totals, sum(column_totals)]]
        self.hidden = {(i, j) for i, row in enumerate(self.values) for j, value in enumerate(row) if _is_small(value, threshold)}
        # arcs[node] = [(next node, figure)], nodes being ("row", i) and ("column", j)
        self.arcs: dict[tuple[str, int], list[tuple[tuple[str, int], tuple[int, int]]]] = {}
        for i, row in enumerate(self.values):
            for j, value in enumerate(row):
                if value == 0:
                    continue
                orientation = -1 if (i == self.R) != (j == self.C) else 1
                if _fits(value, orientation, threshold):
                    self.arcs.setdefault(("row", i), []).append((("column", j), (i, j)))
                if _fits(value, -orientation, threshold):
                    self.arcs.setdefault(("column", j), []).append((("row", i), (i, j)))

    def cost(self, figure: tuple[int, int]) -> tuple[int, int, int, int]:
        """What hiding one more figure costs: the grand total last, then other totals, then big cells."""
        if figure in self.hidden:
            return (0, 0, 0, 0)
        i, j = figure
        return (int(figure == (self.R, self.C)), int(i == self.R or j == self.C), 1, self.values[i][j])

    def cheapest_cycle(self, figure: tuple[int, int], hidden_only: bool) -> tuple[tuple, list] | None:
        """The cheapest directed cycle through `figure`'s arcs as (cost, figures on it), or None."""
        i, j = figure
        best = None
        for start, goal in ((("column", j), ("row", i)), (("row", i), ("column", j))):
            if not any(arc_figure == figure for _, arc_figure in self.arcs.get(goal, [])):
                continue  # the figure cannot move this way
            found = self.cheapest_path(start, goal, figure, hidden_only)
            if found is not None:
                cost, path = found
                cost = tuple(a + b for a, b in zip(cost, self.cost(figure), strict=True))
                if best is None or cost < best[0]:
                    best = (cost, [figure, *path])
        return best

    def cheapest_path(self, start, goal, excluded, hidden_only):
        # Dijkstra; costs are tuples added element-wise and compared in order, which keeps it exact.
        zero = (0, 0, 0, 0)
        settled = set()
        queue = [(zero, start, [])]
        while queue:
            cost, node, path = heapq.heappop(queue)
            if node == goal:
                return cost, path
            if node in settled:
                continue
            settled.add(node)
            for following, figure in self.arcs.get(node, []):
                if figure == excluded or following in settled or (hidden_only and figure not in self.hidden):
                    continue
                step = tuple(a + b for a, b in zip(cost, self.cost(figure), strict=True))
                heapq.heappush(queue, (step, following, [*path, figure]))
        return None

    def suppress(self) -> set[tuple[int, int]]:
        for figure in sorted(self.hidden):
            if self.cheapest_cycle(figure, hidden_only=True) is not None:
                continue
            found = self.cheapest_cycle(figure, hidden_only=False)
            if found is None:
                raise SuppressionError("a small count in this table can be worked out whatever else is hidden")
            self.hidden.update(found[1])
        return self.hidden


def suppress_table(
    rows: Mapping[str, Mapping[str, int]],
    threshold: int = DEFAULT_THRESHOLD,
    *,
    columns: Sequence[str] | None = None,
) -> SuppressedTable:
    """Suppress a two-way table of counts published with its row, column and grand totals.

    `rows` maps a row label to {column label: count}; a missing count is 0. Totals are the sums of
    the cells. `columns` fixes the column order (default: first seen).
    """
    threshold = _check_threshold(threshold)
    row_labels = tuple(rows)
    if columns is None:
        columns = list(dict.fromkeys(column for row in rows.values() for column in row))
    column_labels = tuple(columns)
    if len(set(column_labels)) != len(column_labels):
        raise ValueError("column labels must be unique")
    for row in row_labels:
        unknown = set(rows[row]) - set(column_labels)
        if unknown:
            raise ValueError(f"row {row!r} has counts for unknown columns {sorted(unknown)!r}")
    counts = [[_count(rows[row].get(column, 0)) for column in column_labels] for row in row_labels]
    grid = _Grid(counts, len(column_labels), threshold)
    hidden = grid.suppress()

    def published(i: int, j: int) -> Published:
        return _publish(grid.values[i][j], (i, j) in hidden, threshold)

    R, C = len(row_labels), len(column_labels)
    return SuppressedTable(
        row_labels=row_labels,
        column_labels=column_labels,
        cells={row: {column: published(i, j) for j, column in enumerate(column_labels)} for i, row in enumerate(row_labels)},
        row_totals={row: published(i, C) for i, row in enumerate(row_labels)},
        column_totals={column: published(R, j) for j, column in enumerate(column_labels)},
        grand_total=published(R, C),
        threshold=threshold,
    )


# Running totals and nested counts -----------------------------------------------------------------


def _suppress_chain(values: Sequence[int], threshold: int) -> list[Published]:
    """Show a figure only when it, and its difference from the last shown one, is 0 or >= threshold.

    Any two shown figures then differ by 0 or by at least the threshold, since the differences between
    consecutive shown figures all have the same sign. A hidden figure lies within threshold - 1 of the
    last shown one, which leaves the reader threshold - 1 possible values. Each decision looks only at
    earlier figures, so a figure shown in an earlier edition is shown the same way in every later one.
    """
    published = []
    last_shown = 0
    for value in values:
        difference = abs(value - last_shown)
        hidden = _is_small(value, threshold) or _is_small(difference, threshold)
        published.append(_publish(value, hidden, threshold))
        if not hidden:
            last_shown = value
    return published


def suppress_cumulative(cumulative: Mapping[str, int], threshold: int = DEFAULT_THRESHOLD) -> dict[str, Published]:
    """Suppress running totals (year to date, since the program began), one per period, in order.

    A running total is shown only if it is 0 or at least the threshold and it differs from the last
    shown running total by 0 or at least the threshold, so no period's count from 1 to threshold - 1
    can be found by subtracting two editions. Works for any cumulative count, including ones that are
    not sums (unique people so far). The series must not decrease.
    """
    threshold = _check_threshold(threshold)
    labels = list(cumulative)
    counts = [_count(cumulative[label]) for label in labels]
    if any(later < earlier for earlier, later in pairwise(counts)):
        raise ValueError("a running total cannot decrease")
    return dict(zip(labels, _suppress_chain(counts, threshold), strict=True))


def suppress_funnel(stages: Mapping[str, int], threshold: int = DEFAULT_THRESHOLD) -> dict[str, Published]:
    """Suppress nested counts such as referred, contacted, engaged, retained (each a subset of the last).

    The people lost between two stages are a count too, so the same rule as `suppress_cumulative`
    applies: no shown stage may differ from another shown stage by 1 to threshold - 1.
    """
    threshold = _check_threshold(threshold)
    labels = list(stages)
    counts = [_count(stages[label]) for label in labels]
    if any(later > earlier for earlier, later in pairwise(counts)):
        raise ValueError("each funnel stage must be a subset of the one before it")
    return dict(zip(labels, _suppress_chain(counts, threshold), strict=True))


def _can_all_trade(small_counts: Sequence[int], threshold: int) -> bool:
    """Whether, with only their sum known, each small count can give 1 to or take 1 from another."""
    up = sum(count < threshold - 1 for count in small_counts)
    down = sum(count > 1 for count in small_counts)
    return all(
        (count < threshold - 1 and down - (count > 1) > 0) or (count > 1 and up - (count < threshold - 1) > 0)
        for count in small_counts
    )


@dataclass(frozen=True, slots=True)
class RunningTotal:
    period: str
    count: Published
    cumulative: Published


def suppress_running_totals(period_counts: Mapping[str, int], threshold: int = DEFAULT_THRESHOLD) -> list[RunningTotal]:
    """Per-period counts shown beside their running total ("12 this month, 140 this year").

    Small per-period counts are hidden. A running total is shown only if it passes the
    `suppress_cumulative` rule and the hidden counts since the last shown running total cannot be
    solved from the difference: there are none, or each can trade 1 with another hidden count there.
    Otherwise the running total is hidden until a later period closes the gap.
    """
    threshold = _check_threshold(threshold)
    rows = []
    last_shown = 0
    running = 0
    hidden_in_gap: list[int] = []
    for period, value in period_counts.items():
        count = _count(value)
        running += count
        count_hidden = _is_small(count, threshold)
        if count_hidden:
            hidden_in_gap.append(count)
        solvable = not _can_all_trade(hidden_in_gap, threshold)
        total_hidden = _is_small(running, threshold) or _is_small(running - last_shown, threshold) or solvable
        rows.append(RunningTotal(period, _publish(count, count_hidden, threshold), _publish(running, total_hidden, threshold)))
        if not total_hidden:
            last_shown = running
            hidden_in_gap = []
    return rows


# Rates --------------------------------------------------------------------------------------------


def rate(
    numerator: int | Published,
    denominator: int | Published,
    threshold: int = DEFAULT_THRESHOLD,
    *,
    decimals: int = 0,
) -> Rate:
    """A share such as the contact rate, hidden when it would reveal a small count.

    Hidden when the denominator is under the threshold, or when the numerator or denominator is
    itself hidden. Given raw counts, the numerator is taken to be a subset of the denominator, so the
    rate is also hidden when either the numerator or the people not counted in it (denominator minus
    numerator) are from 1 to threshold - 1: with the denominator shown, the rate would give them away.
    """
    threshold = _check_threshold(threshold)

    def hidden(reason: Reason) -> Rate:
        return Rate(None, threshold, reason, decimals)

    if isinstance(numerator, Published) or isinstance(denominator, Published):
        if not (isinstance(numerator, Published) and isinstance(denominator, Published)):
            raise TypeError("pass both parts of a rate as Published figures, or both as raw counts")
        for part in (numerator, denominator):
            if part.reason in (Reason.FOLLOW_UP_OPEN, Reason.WITHHELD):
                return hidden(part.reason)
        if numerator.is_suppressed or denominator.is_suppressed:
            return hidden(Reason.HIDDEN_PART)
        numerator_value, denominator_value = numerator.value, denominator.value
    else:
        numerator_value, denominator_value = _count(numerator), _count(denominator)
    if numerator_value > denominator_value:
        raise ValueError("a rate's numerator cannot exceed its denominator")
    if denominator_value < threshold:
        return hidden(Reason.SMALL_DENOMINATOR)
    if not isinstance(numerator, Published) and (
        _is_small(numerator_value, threshold) or _is_small(denominator_value - numerator_value, threshold)
    ):
        return hidden(Reason.HIDDEN_PART)
    return Rate(numerator_value / denominator_value, threshold, None, decimals)
