"""Suppression of one outcome measure published at many levels at once (linked suppression).

`deflection.suppression` protects one list or one table. Reports publish the same measure — say quality
referrals — per officer, per unit, per agency, for trained and untrained officers and for the whole
program, and for months, quarters and years; every published figure is a sum of the same underlying
cells (an officer's referrals of one month in one agency), and any of those sums could be subtracted
from another. This module decides, for all of them together, which to show.

The model: *leaves* are the underlying cells, each with its value and the referral count beside it
(always shown: referral counts are not health information). A *figure* is the sum of some leaves. A
figure is hidden when it is from 1 to threshold - 1, or when the referrals it is part of minus it
("referred but not engaged") would be. A hidden figure is safe when some other set of leaf values
agrees with every shown figure, keeps every hidden figure within its label ("fewer than 11": 0 to 10,
since a zero beside a small referral count is hidden too; "not shown": 11 or more), keeps each leaf
between 0 and its referrals, and changes that figure. It is enough to look for the smallest changes:
one leaf moved by 1 (when every figure holding it is hidden) or two leaves moved by 1 in opposite
directions (when every shown figure holds both or neither). A hidden figure with no such move gets
one: the cheapest further figures are hidden, leaves before units before agencies before the
program, smaller before larger; where a hidden figure's label itself blocks every move ("fewer than
11" at 10 cannot take one more), that figure is withheld instead, with no label at all. Hiding more
never removes a move, so the work ends when every hidden figure has one. When the shown referral
counts pin a figure whatever is hidden ("11 of 11 engaged" tells every officer's share), the whole
measure is withheld for that publication.

Figures decided by an earlier publication (the months inside a quarter, already published on their
own) come in `fixed`: they are never changed, but their hidden figures are checked again against the
new figures, and the new figures are hidden as needed to keep them safe. Months are published on
their own first, then quarters with their months fixed, then years with both fixed; that way a
quarter's figure can never be the sum of shown months plus one hidden month.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from deflection.suppression import Published, Reason, _check_threshold, _is_small


class CannotProtect(ValueError):
    """No set of further hidden figures protects a figure: the shown referral counts pin it."""


@dataclass(frozen=True)
class Figure:
    """One published number: the sum of `leaves`.

    `whole` is the referral count shown beside it (the pair rule hides the figure when whole - value
    is small); None when there is no such count. `rank` says how much a reader would miss it if it
    were hidden to protect another: 0 for an officer's cell, higher for units, agencies, the program.
    `fixed` is its earlier publication, if it has one.
    """

    key: Hashable
    leaves: frozenset[int]
    whole: int | None = None
    rank: int = 0
    fixed: Published | None = None


class _Engine:
    def __init__(
        self,
        values: Sequence[int],
        wholes: Sequence[int],
        figures: Iterable[Figure],
        threshold: int,
        coordinates: Sequence[tuple[Hashable, Hashable]] | None = None,
    ):
        self.t = _check_threshold(threshold)
        # (row, column) of each leaf, e.g. (officer, month): lets rectangles be tried when pairs fail.
        self.at: dict[tuple, int] = {}
        self.rows_of_column: dict[Hashable, list] = defaultdict(list)
        self.columns_of_row: dict[Hashable, list] = defaultdict(list)
        self.coordinates = list(coordinates) if coordinates is not None else None
        for i, (row, column) in enumerate(self.coordinates or []):
            self.at[(row, column)] = i
            self.rows_of_column[column].append(row)
            self.columns_of_row[row].append(column)
        self.values = list(values)
        self.wholes = list(wholes)
        if len(self.values) != len(self.wholes):
            raise ValueError("one whole per leaf")
        for value, whole in zip(self.values, self.wholes, strict=True):
            if not 0 <= value <= whole:
                raise ValueError(f"a leaf's value must lie between 0 and its whole ({value} of {whole})")
        self.figures: dict[Hashable, Figure] = {}
        self.value: dict[Hashable, int] = {}
        self.containing: list[set] = [set() for _ in self.values]
        self.own: list[Hashable | None] = [None] * len(self.values)
        for figure in figures:
            if figure.key in self.figures:
                raise ValueError(f"two figures are called {figure.key!r}")
            self.figures[figure.key] = figure
            self.value[figure.key] = sum(self.values[i] for i in figure.leaves)
            for i in figure.leaves:
                self.containing[i].add(figure.key)
            if len(figure.leaves) == 1:
                (leaf,) = figure.leaves
                self.own[leaf] = figure.key
        self.highest_rank = max((figure.rank for figure in self.figures.values()), default=0)
        self.withheld: set = set()  # hidden figures with no label at all
        self.hidden: set = set()
        self.small: set = set()  # hidden figures labelled "fewer than N"
        for key, figure in self.figures.items():
            value = self.value[key]
            if figure.fixed is not None:
                if figure.fixed.is_suppressed:
                    self._label(key, figure.fixed.reason == Reason.SMALL_COUNT)
                    if figure.fixed.reason != Reason.SMALL_COUNT and figure.fixed.reason != Reason.COMPLEMENTARY:
                        self.withheld.add(key)  # withheld, or published with no label at all
                elif figure.fixed.value != value:
                    raise ValueError(f"{key!r} was published as {figure.fixed.value}, but its leaves sum to {value}")
            elif _is_small(value, self.t) or (figure.whole is not None and _is_small(figure.whole - value, self.t)):
                self._label(key, value < self.t)
        self.sig = [frozenset(k for k in self.containing[i] if k not in self.hidden) for i in range(len(self.values))]
        self.groups: dict[frozenset, set[int]] = defaultdict(set)
        for i, sig in enumerate(self.sig):
            self.groups[sig].add(i)

    # State ----------------------------------------------------------------------------------------

    def _label(self, key, small: bool) -> None:
        self.hidden.add(key)
        if small:
            self.small.add(key)

    def withhold(self, key) -> None:
        if self.figures[key].fixed is not None:
            raise CannotProtect(f"{key!r} is fixed by an earlier publication")
        self.hide(key)
        self.small.discard(key)
        self.withheld.add(key)

    def hide(self, key) -> None:
        if key in self.hidden:
            return
        if self.figures[key].fixed is not None:
            raise CannotProtect(f"{key!r} is fixed by an earlier publication")
        self._label(key, self.value[key] < self.t)
        for i in self.figures[key].leaves:
            self.groups[self.sig[i]].discard(i)
            self.sig[i] = self.sig[i] - {key}
            self.groups[self.sig[i]].add(i)

    # Moves ----------------------------------------------------------------------------------------

    def _range(self, key, small: bool | None = None) -> tuple[float, float]:
        if key in self.withheld:
            return (0, math.inf)
        if small is None:
            small = key in self.small
        if small:
            # Here "fewer than N" can also be none: a zero beside a small referral count is hidden too.
            return (0, self.t - 1)
        return (self.t, math.inf)

    def _figure_fits(self, key, change: int, extra_hidden: frozenset) -> bool:
        if key in self.hidden:
            low, high = self._range(key)
        elif key in extra_hidden:
            low, high = self._range(key, self.value[key] < self.t)
        else:
            return False  # a shown figure cannot change
        return low <= self.value[key] + change <= high

    def _leaf_fits(self, leaf: int, change: int) -> bool:
        return 0 <= self.values[leaf] + change <= self.wholes[leaf]

    def single_move(self, leaf: int, change: int, extra_hidden: frozenset = frozenset()) -> bool:
        return self._leaf_fits(leaf, change) and all(
            self._figure_fits(key, change, extra_hidden) for key in self.containing[leaf]
        )

    def pair_move(self, a: int, b: int, change: int, extra_hidden: frozenset = frozenset()) -> bool:
        """Move leaf a by `change` and leaf b by minus `change`."""
        if a == b or not (self._leaf_fits(a, change) and self._leaf_fits(b, -change)):
            return False
        containing_a, containing_b = self.containing[a], self.containing[b]
        for key in containing_a ^ containing_b:
            if not self._figure_fits(key, change if key in containing_a else -change, extra_hidden):
                return False
        return True

    def changed(self, delta: dict[int, int]) -> dict[Hashable, int]:
        """The net change of every figure a move touches.

        Most moves are one leaf or a pair moved in opposite directions (hundreds of thousands per
        publication at scale): those are worked out directly, in the same order as the general sum.
        """
        if len(delta) == 1:
            ((leaf, step),) = delta.items()
            return dict.fromkeys(self.containing[leaf], step) if step else {}
        if len(delta) == 2:
            (a, step_a), (b, step_b) = delta.items()
            if step_a == -step_b and a != b:
                containing_a, containing_b = self.containing[a], self.containing[b]
                change = {key: step_a for key in containing_a if key not in containing_b}
                for key in containing_b:
                    if key not in containing_a:
                        change[key] = step_b
                return change if step_a else {}
        change: dict[Hashable, int] = {}
        for leaf, step in delta.items():
            for key in self.containing[leaf]:
                change[key] = change.get(key, 0) + step
        return {key: step for key, step in change.items() if step}

    def move(self, delta: dict[int, int], extra_hidden: frozenset = frozenset()) -> bool:
        return all(self._leaf_fits(leaf, step) for leaf, step in delta.items()) and all(
            self._figure_fits(key, step, extra_hidden) for key, step in self.changed(delta).items()
        )

    def rectangles(self, leaves: frozenset, limit: int = 20000):
        """Moves of four leaves at the corners of two rows and two columns that change `leaves`' sum."""
        if self.coordinates is None:
            return
        tried = 0
        for a in sorted(leaves):
            row_a, column_a = self.coordinates[a]
            for column in self.columns_of_row[row_a]:
                if column == column_a:
                    continue
                d = self.at[(row_a, column)]
                for row in self.rows_of_column[column_a]:
                    if row == row_a or (row, column) not in self.at:
                        continue
                    b, c = self.at[(row, column_a)], self.at[(row, column)]
                    # The four corners are distinct; the move changes `leaves`' sum unless as many of
                    # its +1 corners (a, c) as of its -1 corners (b, d) lie inside.
                    if (c in leaves) + 1 != (b in leaves) + (d in leaves):
                        yield {a: 1, b: -1, c: 1, d: -1}
                        yield {a: -1, b: 1, c: -1, d: 1}
                    tried += 1
                    if tried > limit:
                        return

    # Protection -----------------------------------------------------------------------------------

    def is_protected(self, key, tries: int = 12) -> bool:
        leaves = self.figures[key].leaves
        if any(self.single_move(a, change) for a in leaves for change in (1, -1)):
            return True
        for sig in {self.sig[a] for a in leaves}:
            group = self.groups[sig]
            inside = [i for i in group if i in leaves]
            outside = [i for i in group if i not in leaves]
            if not inside or not outside:
                continue
            for change in (1, -1):
                movers = [a for a in inside if self._leaf_fits(a, change)][:tries]
                partners = [b for b in outside if self._leaf_fits(b, -change)][:tries]
                if any(self.pair_move(a, b, change) for a in movers for b in partners):
                    return True
        return any(self.move(delta) for delta in self.rectangles(leaves))

    def _plan(self, delta: dict[int, int]):
        """What a move would need: (cost, figures to hide, figures to withhold), or None if impossible.

        A shown figure the move changes must be hidden; a hidden one whose label the move would
        leave ("fewer than 11" going to 11) must be withheld, which tells the reader nothing at all.
        Figures fixed by an earlier publication can do neither.
        """
        if not all(self._leaf_fits(leaf, step) for leaf, step in delta.items()):
            return None
        hide, withhold = [], []
        for key, step in self.changed(delta).items():
            figure = self.figures[key]
            if key in self.hidden and self._figure_fits(key, step, frozenset()):
                continue
            if figure.fixed is not None:
                return None
            if key not in self.hidden and self._figure_fits(key, step, frozenset({key})):
                hide.append(key)
            else:
                withhold.append(key)
        ranks = [0] * (self.highest_rank + 1)
        for key in (*hide, *withhold):
            ranks[self.highest_rank - self.figures[key].rank] += 1
        cost = (*ranks, len(withhold), sum(self.value[key] for key in (*hide, *withhold)))
        return cost, hide, withhold

    def _candidate_moves(self, leaves: frozenset):
        """Single leaves, pairs (a few of each kind of partner) and rectangles that change `leaves`."""
        for a in sorted(leaves):
            for step in (1, -1):
                yield {a: step}
        insides: dict[frozenset, list[int]] = defaultdict(list)
        outsides: dict[frozenset, list[int]] = defaultdict(list)
        for sig, group in self.groups.items():
            for i in group:
                (insides if i in leaves else outsides)[sig].append(i)
        for step in (1, -1):
            movers = [
                a
                for members in insides.values()
                for a in sorted((i for i in members if self._leaf_fits(i, step)), key=lambda i: (self.values[i], i))[:4]
            ]
            partners = [
                b
                for members in outsides.values()
                for b in sorted((i for i in members if self._leaf_fits(i, -step)), key=lambda i: (self.values[i], i))[:4]
            ]
            for a in movers[:64]:
                for b in partners:
                    yield {a: step, b: -step}
        yield from self.rectangles(leaves, limit=5000)

    def protect(self, key) -> None:
        """Hide (or, failing that, withhold) the cheapest set of figures that gives `key` a move."""
        best = None
        for delta in self._candidate_moves(self.figures[key].leaves):
            plan = self._plan(delta)
            if plan is not None and (best is None or plan[0] < best[0]):
                best = plan
        if best is None:
            raise CannotProtect(f"nothing protects {key!r}")
        _cost, hide, withhold = best
        for other in hide:
            self.hide(other)
        for other in withhold:
            self.withhold(other)

    def run(self) -> None:
        pending = sorted(self.hidden, key=lambda k: (self.figures[k].rank, str(k)))
        while pending:
            key = pending.pop()
            if self.is_protected(key):
                continue
            before = set(self.hidden)
            self.protect(key)
            pending.extend(sorted(self.hidden - before, key=str))

    def published(self, withheld: bool = False) -> dict[Hashable, Published]:
        result = {}
        for key, figure in self.figures.items():
            if figure.fixed is not None:
                result[key] = figure.fixed
            elif withheld or key in self.withheld:
                result[key] = Published.hidden(Reason.WITHHELD, self.t)
            elif key in self.hidden:
                reason = Reason.SMALL_COUNT if key in self.small else Reason.COMPLEMENTARY
                result[key] = Published.hidden(reason, self.t)
            else:
                result[key] = Published(self.value[key], self.t)
        return result


def publish_linked(
    values: Sequence[int],
    wholes: Sequence[int],
    figures: Iterable[Figure],
    threshold: int,
    *,
    hide: Iterable[Hashable] = (),
    withhold: Iterable[Hashable] = (),
    coordinates: Sequence[tuple[Hashable, Hashable]] | None = None,
) -> dict[Hashable, Published]:
    """Publish every figure (a sum of leaves) so that no hidden one can be worked out from the others.

    `values[i]` is leaf i's count and `wholes[i]` the referrals it is part of. `hide` names figures
    that must be hidden for another reason (a funnel stage too close to the one before); `withhold`
    names figures published with no label at all (an officer's own total whose part the officer
    cannot see under consent is small: "fewer than 11" or "not shown" would bound that part).
    `coordinates[i]`, if given, places leaf i in a grid (officer, month) so that rectangles of four
    leaves can be tried where pairs are not enough.
    A count hidden because it is small, or a zero hidden because its whole is small, reads "fewer
    than N" (zero is fewer than N too; showing it would reveal "N referred, none engaged"); a figure
    hidden to protect another reads "not shown".
    """
    engine = _Engine(values, wholes, figures, threshold, coordinates)
    for key in hide:
        engine.hide(key)
    for key in withhold:
        engine.withhold(key)
    try:
        engine.run()
    except CannotProtect:
        # E.g. "11 of 11 referrals engaged" at the top tells every officer's figure, and hiding it
        # ("not shown": 11 or more, of 11) tells it too. Then nothing of this measure is published
        # beyond the figures fixed earlier, which are safe on their own.
        return engine.published(withheld=True)
    return engine.published()
