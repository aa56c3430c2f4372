"""Small-cell suppression: hand-worked examples, then attackers that try to recover hidden counts.

The attackers know every shown figure, that "fewer than N" means 1 to N-1 and that "not shown" means
N or more, and how totals relate to their parts. Four of them, from the simple to the exact:
subtraction along one line at a time, linear algebra over the whole table, interval reasoning, and an
exhaustive search for another table that agrees with everything shown.

Longer than 500 lines because the attackers are the point: each must be strong enough to fail the
suppression if it were weakened, and they are shared with reports/tests/test_publication.py.
"""

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from deflection.suppression import (
    DEFAULT_THRESHOLD,
    Published,
    Rate,
    Reason,
    publish_count,
    rate,
    suppress_cumulative,
    suppress_funnel,
    suppress_running_totals,
    suppress_series,
    suppress_table,
    suppression_note,
)

FAST = settings(max_examples=150, deadline=None)


# Hand-worked examples -----------------------------------------------------------------------------


def displays(figures):
    return [figure.display for figure in figures]


def test_a_count_on_its_own_is_hidden_from_1_to_10_and_zero_is_shown():
    assert displays(publish_count(value) for value in (0, 1, 10, 11, 1234)) == [
        "0",
        "fewer than 11",
        "fewer than 11",
        "11",
        "1,234",
    ]
    hidden = publish_count(7)
    assert hidden.is_suppressed and hidden.value is None and hidden.reason == Reason.SMALL_COUNT
    assert str(publish_count(12)) == "12"


def test_a_stricter_threshold_changes_the_rule_and_the_label():
    assert publish_count(15, threshold=20).display == "fewer than 20"
    assert publish_count(20, threshold=20).display == "20"
    assert "1 to 19" in suppression_note(20)


@pytest.mark.parametrize("threshold", [10, 5, 1, 0])
def test_a_threshold_below_the_cms_rule_is_refused(threshold):
    with pytest.raises(ValueError, match="below 11"):
        publish_count(3, threshold=threshold)


@pytest.mark.parametrize("bad", [-1, 2.5, True, "3", None])
def test_a_count_must_be_a_whole_non_negative_number(bad):
    with pytest.raises((TypeError, ValueError)):
        publish_count(bad)


def test_a_published_figure_has_a_value_or_a_reason_never_both():
    with pytest.raises(ValueError):
        Published(None)
    with pytest.raises(ValueError):
        Published(5, reason=Reason.SMALL_COUNT)
    assert Published.shown(4).display == "4"  # referral counts are not health information
    assert Published.hidden(Reason.COMPLEMENTARY).display == "not shown"


def test_series_hides_a_small_count_and_the_next_smallest_so_the_total_can_stay():
    series = suppress_series({"self": 5, "outreach": 30, "naloxone plus": 12, "officer": 0})
    assert {label: figure.display for label, figure in series} == {
        "self": "fewer than 11",
        "outreach": "30",
        "naloxone plus": "not shown",
        "officer": "0",
    }
    assert series.values["naloxone plus"].reason == Reason.COMPLEMENTARY
    assert series.total.display == "47"
    assert series.has_suppressed


def test_series_skips_a_partner_that_would_give_the_count_away():
    # 1 + 11 = 12 with "not shown" meaning 11 or more would pin the 1, so 40 is hidden instead.
    series = suppress_series({"a": 1, "b": 11, "c": 40})
    assert displays(series.values.values()) == ["fewer than 11", "11", "not shown"]
    assert series.total.display == "52"


def test_series_without_a_total_hides_only_small_counts():
    series = suppress_series({"a": 3, "b": 30}, with_total=False)
    assert displays(series.values.values()) == ["fewer than 11", "30"]
    assert series.total is None


def test_series_whose_total_is_small_hides_the_total_too():
    series = suppress_series({"a": 3, "b": 4, "c": 0})
    assert displays([*series.values.values(), series.total]) == ["fewer than 11"] * 2 + ["0", "fewer than 11"]


def test_table_hides_a_rectangle_of_cells_and_keeps_every_total():
    table = suppress_table({"North": {"self": 4, "outreach": 20}, "South": {"self": 15, "outreach": 30}})
    assert [displays(cells) for _, cells, _ in table.rows()] == [
        ["fewer than 11", "not shown"],
        ["not shown", "not shown"],
    ]
    assert displays(table.row_totals.values()) == ["24", "45"]
    assert displays(table.column_totals.values()) == ["19", "50"]
    assert table.grand_total.display == "69"


def test_table_with_a_small_row_total_protects_it_through_the_other_totals():
    table = suppress_table(
        {
            "Riverside PD": {"self": 12, "outreach": 25},
            "Sheriff": {"self": 3, "outreach": 0},
            "Fire/EMS": {"self": 14, "outreach": 40},
        }
    )
    assert table.cell("Sheriff", "self").display == "fewer than 11"
    assert table.row_totals["Sheriff"].display == "fewer than 11"
    assert table.cell("Sheriff", "outreach").display == "0"
    # Riverside's total, the sheriff's and the grand total add up, so one more row total must go,
    # and the self column would give the cell away, so one more self cell must go too.
    assert table.row_totals["Riverside PD"].is_suppressed
    assert table.cell("Riverside PD", "self").is_suppressed
    assert table.column_totals["self"].display == "29"
    assert table.grand_total.display == "94"


def test_table_columns_keep_the_given_order_and_missing_counts_are_zero():
    table = suppress_table({"A": {"x": 20}, "B": {"y": 30}}, columns=["y", "x"])
    assert table.column_labels == ("y", "x")
    assert table.cell("A", "y").display == "0"
    with pytest.raises(ValueError, match="unknown columns"):
        suppress_table({"A": {"z": 1}}, columns=["x"])


def test_table_margins_chart_the_same_figures_as_the_table():
    table = suppress_table({"North": {"self": 4, "outreach": 20}, "South": {"self": 15, "outreach": 30}})
    series = table.column_series()
    assert series.values == table.column_totals and series.total == table.grand_total
    assert table.row_series().values == table.row_totals


def test_running_totals_are_shown_only_when_they_differ_by_0_or_at_least_11():
    published = suppress_cumulative({"Jan": 12, "Feb": 19, "Mar": 39, "Apr": 41, "May": 52, "Jun": 52})
    assert {month: figure.display for month, figure in published.items()} == {
        "Jan": "12",
        "Feb": "not shown",  # 19 - 12 = 7 people in February
        "Mar": "39",
        "Apr": "not shown",  # 41 - 39 = 2
        "May": "52",  # 52 - 39 = 13 over April and May together
        "Jun": "52",  # nobody new: zero may be shown
    }
    with pytest.raises(ValueError, match="decrease"):
        suppress_cumulative({"Jan": 12, "Feb": 11})


def test_funnel_hides_a_stage_that_differs_from_the_last_shown_by_a_small_count():
    funnel = suppress_funnel({"referred": 200, "contacted": 195, "engaged": 120, "retained": 8})
    assert displays(funnel.values()) == ["200", "not shown", "120", "fewer than 11"]
    assert displays(suppress_funnel({"referred": 40, "contacted": 40, "engaged": 0}).values()) == ["40", "40", "0"]
    with pytest.raises(ValueError, match="subset"):
        suppress_funnel({"referred": 10, "contacted": 12})


def test_running_total_beside_monthly_counts_waits_until_a_hidden_month_cannot_be_solved():
    rows = suppress_running_totals({"Jan": 12, "Feb": 7, "Mar": 20, "Apr": 4})
    assert [(row.period, row.count.display, row.cumulative.display) for row in rows] == [
        ("Jan", "12", "12"),
        ("Feb", "fewer than 11", "not shown"),
        # 39 - 12 - 20 would give February's 7 away.
        ("Mar", "20", "not shown"),
        # February and April can trade one referral, so their sum (43 - 12 - 20 = 11) is safe.
        ("Apr", "fewer than 11", "43"),
    ]


def test_rates_are_hidden_over_small_denominators_or_when_they_reveal_a_small_count():
    assert rate(150, 200).display == "75%"
    assert rate(150, 200, decimals=1).display == "75.0%"
    assert rate(0, 40).display == "0%"
    assert rate(8, 10).reason == Reason.SMALL_DENOMINATOR
    assert rate(0, 0).reason == Reason.SMALL_DENOMINATOR
    assert rate(5, 200).reason == Reason.HIDDEN_PART  # 2.5% of 200 is 5 people
    assert rate(195, 200).reason == Reason.HIDDEN_PART  # and 97.5% leaves 5 out
    assert rate(5, 200).display == "not shown"
    with pytest.raises(ValueError):
        rate(12, 11)


def test_rates_of_published_figures_follow_their_parts():
    funnel = suppress_funnel({"referred": 200, "contacted": 195, "engaged": 120})
    assert rate(funnel["engaged"], funnel["referred"]).display == "60%"
    assert rate(funnel["contacted"], funnel["referred"]).is_suppressed
    assert rate(Published(None, 11, Reason.SMALL_COUNT), Published(40)).reason == Reason.HIDDEN_PART
    assert isinstance(rate(Published(12), Published(40)), Rate)
    with pytest.raises(TypeError):
        rate(Published(12), 40)


def test_suppression_is_deterministic():
    rows = {"A": {"x": 3, "y": 15, "z": 9}, "B": {"x": 12, "y": 1, "z": 40}, "C": {"x": 0, "y": 22, "z": 13}}
    assert suppress_table(rows) == suppress_table(rows)


# The attackers ------------------------------------------------------------------------------------


@dataclass
class Publication:
    """What a reader sees, with the truth beside it so the test can tell whether an attack worked."""

    truth: dict
    known: dict  # figure -> value, for shown figures
    ranges: dict  # figure -> (lowest, highest) for hidden ones, from their label
    equations: list  # each a list of (figure, coefficient) summing to zero

    @property
    def hidden(self):
        return set(self.ranges)


def label_range(figure: Published):
    if figure.reason == Reason.SMALL_COUNT:
        return (1, figure.threshold - 1)
    assert figure.reason == Reason.COMPLEMENTARY
    return (figure.threshold, math.inf)


def publication(truth: dict, published: dict, equations: list) -> Publication:
    known = {key: figure.value for key, figure in published.items() if not figure.is_suppressed}
    ranges = {key: label_range(figure) for key, figure in published.items() if figure.is_suppressed}
    return Publication(truth, known, ranges, equations)


def table_publication(rows: dict, table) -> Publication:
    row_labels, column_labels = list(table.row_labels), list(table.column_labels)
    R, C = len(row_labels), len(column_labels)
    truth, published = {}, {}
    for i, row in enumerate(row_labels):
        for j, column in enumerate(column_labels):
            truth[i, j] = rows[row].get(column, 0)
            published[i, j] = table.cell(row, column)
        truth[i, C] = sum(rows[row].values())
        published[i, C] = table.row_totals[row]
    for j, column in enumerate(column_labels):
        truth[R, j] = sum(rows[row].get(column, 0) for row in row_labels)
        published[R, j] = table.column_totals[column]
    truth[R, C] = sum(truth[i, C] for i in range(R))
    published[R, C] = table.grand_total

    def sign(i, j):  # a total counts as minus itself, so each line sums to zero
        return -1 if (i == R) != (j == C) else 1

    equations = [[((i, j), sign(i, j)) for j in range(C + 1)] for i in range(R + 1)]
    equations += [[((i, j), sign(i, j)) for i in range(R + 1)] for j in range(C + 1)]
    return publication(truth, published, equations)


def series_publication(values: dict, series) -> Publication:
    truth = {**values, "total": sum(values.values())}
    published = {**series.values, "total": series.total}
    equations = [[*((label, 1) for label in values), ("total", -1)]]
    return publication(truth, published, equations)


def subtract_along_lines(pub: Publication) -> set:
    """The classic attack: a line with one unknown figure gives it away; repeat until nothing changes."""
    known = dict(pub.known)
    changed = True
    while changed:
        changed = False
        for equation in pub.equations:
            unknown = [(key, coefficient) for key, coefficient in equation if key not in known]
            if len(unknown) == 1:
                key, coefficient = unknown[0]
                known[key] = -sum(known[k] * c for k, c in equation if k != key) // coefficient
                changed = True
    return pub.hidden & set(known)


def solve_linear_system(pub: Publication) -> set:
    """Every hidden figure that any combination of the equations pins down (Gaussian elimination)."""
    unknowns = sorted(pub.hidden, key=str)
    index = {key: n for n, key in enumerate(unknowns)}
    matrix = []
    for equation in pub.equations:
        row = [Fraction(0)] * (len(unknowns) + 1)
        for key, coefficient in equation:
            if key in index:
                row[index[key]] += coefficient
            else:
                row[-1] -= coefficient * pub.known[key]
        matrix.append(row)
    pivots = []
    rank = 0
    for column in range(len(unknowns)):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        lead = matrix[rank][column]
        matrix[rank] = [value / lead for value in matrix[rank]]
        for r in range(len(matrix)):
            if r != rank and matrix[r][column] != 0:
                factor = matrix[r][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        pivots.append(column)
        rank += 1
    free = set(range(len(unknowns))) - set(pivots)
    pinned = set()
    for r, column in enumerate(pivots):
        if not any(matrix[r][f] != 0 for f in free):
            assert matrix[r][-1] == pub.truth[unknowns[column]]  # the attacker got it right
            pinned.add(unknowns[column])
    return pinned, matrix, pivots, free, unknowns


def narrow_intervals(pub: Publication, rounds: int = 60) -> dict:
    """Each line bounds each hidden figure by the others' bounds; repeat. Returns the final bounds."""
    bounds = {key: list(pub.ranges[key]) for key in pub.hidden}
    for key, value in pub.known.items():
        bounds[key] = [value, value]
    for _ in range(rounds):
        changed = False
        for equation in pub.equations:
            for key, coefficient in equation:
                if key not in pub.hidden:
                    continue
                # coefficient * key = -(sum of the others)
                low = high = 0
                for other, c in equation:
                    if other == key:
                        continue
                    a, b = -c * bounds[other][0], -c * bounds[other][1]
                    low, high = low + min(a, b), high + max(a, b)
                if coefficient < 0:
                    low, high = -high, -low
                new = [max(bounds[key][0], low), min(bounds[key][1], high)]
                if new != bounds[key]:
                    bounds[key] = new
                    changed = True
        if not changed:
            break
    for key in pub.hidden:
        assert bounds[key][0] <= pub.truth[key] <= bounds[key][1]  # sound: the truth is never excluded
    return {key: tuple(bounds[key]) for key in pub.hidden}


def figures_that_can_change(pub: Publication, most_free: int = 8):
    """The exact attack: every other table of whole numbers that agrees with what is shown.

    Any such table differs from the truth by cycles along which each figure moves by 1 (the equations
    form a network matrix), so trying -1, 0 and +1 for each free figure finds an alternative for every
    figure that has one. Returns None when the search would be too large.
    """
    _, matrix, pivots, free, unknowns = solve_linear_system(pub)
    free = sorted(free)
    if len(free) > most_free:
        return None
    can_change = set()
    for offsets in itertools.product((-1, 0, 1), repeat=len(free)):
        candidate = {unknowns[f]: pub.truth[unknowns[f]] + offset for f, offset in zip(free, offsets, strict=True)}
        for r, column in enumerate(pivots):
            value = matrix[r][-1] - sum(matrix[r][f] * candidate[unknowns[f]] for f in free)
            assert value.denominator == 1
            candidate[unknowns[column]] = int(value)
        if all(pub.ranges[key][0] <= value <= pub.ranges[key][1] for key, value in candidate.items()):
            can_change |= {key for key, value in candidate.items() if value != pub.truth[key]}
    return can_change


def assert_nothing_small_is_shown(pub: Publication, threshold: int):
    for key, value in pub.known.items():
        assert not 0 < value < threshold, f"{key} = {value} is shown"
        assert value == pub.truth[key]


def assert_no_attack_recovers_a_hidden_figure(pub: Publication, threshold: int):
    small_hidden = {key for key in pub.hidden if 0 < pub.truth[key] < threshold}
    assert small_hidden <= pub.hidden
    assert not subtract_along_lines(pub)
    assert not solve_linear_system(pub)[0]
    for key, (low, high) in narrow_intervals(pub).items():
        assert low < high, f"{key} narrowed to {low}"
    can_change = figures_that_can_change(pub)
    if can_change is not None:
        assert can_change == pub.hidden


# The properties -----------------------------------------------------------------------------------

thresholds = st.sampled_from([11, 11, 12, 15, 20, 25])


def counts_near(threshold):
    # Most trouble sits at 0, 1, threshold - 1 and threshold, so those come up often.
    return st.one_of(
        st.just(0),
        st.sampled_from([1, 2, threshold - 2, threshold - 1, threshold, threshold + 1]),
        st.integers(1, threshold - 1),
        st.integers(0, 4 * threshold),
    )


@st.composite
def tables(draw):
    threshold = draw(thresholds)
    row_count, column_count = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    rows = {f"row {i}": {f"col {j}": draw(counts_near(threshold)) for j in range(column_count)} for i in range(row_count)}
    return rows, threshold


@st.composite
def lists(draw):
    threshold = draw(thresholds)
    values = draw(st.lists(counts_near(threshold), min_size=1, max_size=8))
    return {f"item {n}": value for n, value in enumerate(values)}, threshold


@FAST
@given(tables())
def test_no_table_shows_a_small_count_or_lets_one_be_worked_out(example):
    rows, threshold = example
    table = suppress_table(rows, threshold)
    pub = table_publication(rows, table)
    assert_nothing_small_is_shown(pub, threshold)
    assert_no_attack_recovers_a_hidden_figure(pub, threshold)


@FAST
@given(tables())
def test_table_labels_follow_the_threshold(example):
    rows, threshold = example
    table = suppress_table(rows, threshold)
    for _, cells, total in table.rows():
        for figure in [*cells, total]:
            if figure.reason == Reason.SMALL_COUNT:
                assert figure.display == f"fewer than {threshold}"


@FAST
@given(lists())
def test_no_list_with_a_total_shows_a_small_count_or_lets_one_be_worked_out(example):
    values, threshold = example
    pub = series_publication(values, suppress_series(values, threshold))
    assert_nothing_small_is_shown(pub, threshold)
    assert_no_attack_recovers_a_hidden_figure(pub, threshold)


@FAST
@given(lists())
def test_a_list_without_a_total_hides_exactly_the_small_counts(example):
    values, threshold = example
    series = suppress_series(values, threshold, with_total=False)
    for label, figure in series:
        assert figure.is_suppressed == (0 < values[label] < threshold)


def consistent_sequences(published: list[Published], threshold: int, increasing: bool = True):
    """Every sequence a reader cannot rule out: shown values fixed, hidden ones within their labels,
    never decreasing (or, for a funnel, never increasing)."""
    if not increasing:
        return [sequence[::-1] for sequence in consistent_sequences(published[::-1], threshold)]
    shown_after = []  # the next shown value at or after each position caps a hidden one
    cap = max([figure.value for figure in published if not figure.is_suppressed], default=0) + 3 * threshold
    for figure in reversed(published):
        cap = cap if figure.is_suppressed else figure.value
        shown_after.append(cap)
    shown_after.reverse()
    found = []

    def extend(sequence, previous):
        n = len(sequence)
        if n == len(published):
            found.append(tuple(sequence))
            return
        figure = published[n]
        if not figure.is_suppressed:
            if figure.value >= previous:
                extend([*sequence, figure.value], figure.value)
            return
        low, high = label_range(figure)
        for value in range(max(low, previous), min(high, shown_after[n]) + 1):
            extend([*sequence, value], value)

    extend([], 0)
    return found


@settings(max_examples=120, deadline=None)
@given(st.lists(st.integers(0, 14), min_size=1, max_size=4))
def test_no_period_count_can_be_found_by_subtracting_running_totals(increments):
    threshold = DEFAULT_THRESHOLD
    cumulative = list(itertools.accumulate(increments))
    published = list(suppress_cumulative({f"p{n}": value for n, value in enumerate(cumulative)}).values())
    assert_nothing_small_is_shown(publication(dict(enumerate(cumulative)), dict(enumerate(published)), []), threshold)
    shown = [(n, figure.value) for n, figure in enumerate(published) if not figure.is_suppressed]
    for (_, a), (_, b) in itertools.pairwise([(-1, 0), *shown]):
        assert not 0 < b - a < threshold
    assume(sum(figure.is_suppressed for figure in published) <= 3)
    sequences = consistent_sequences(published, threshold)
    for n, increment in enumerate(increments):
        if 0 < increment < threshold:
            seen = {sequence[n] - (sequence[n - 1] if n else 0) for sequence in sequences}
            assert len(seen) > 1, f"period {n} ({increment}) can be worked out"


@settings(max_examples=120, deadline=None)
@given(st.lists(st.integers(0, 14), min_size=1, max_size=4))
def test_no_funnel_drop_out_count_can_be_worked_out(drops):
    threshold = DEFAULT_THRESHOLD
    stages = list(itertools.accumulate(reversed(drops)))[::-1]
    published = list(suppress_funnel({f"s{n}": value for n, value in enumerate(stages)}).values())
    assume(sum(figure.is_suppressed for figure in published) <= 3)
    sequences = consistent_sequences(published, threshold, increasing=False)
    assert tuple(stages) in sequences
    for n in range(len(stages)):
        lost = stages[n] - (stages[n + 1] if n + 1 < len(stages) else 0)
        if published[n].is_suppressed and 0 < stages[n] < threshold:
            assert len({sequence[n] for sequence in sequences}) > 1
        if 0 < lost < threshold and n + 1 < len(stages):
            seen = {sequence[n] - sequence[n + 1] for sequence in sequences}
            assert len(seen) > 1, f"the {lost} lost after stage {n} can be worked out"


@settings(max_examples=120, deadline=None)
@given(st.lists(st.integers(0, 25), min_size=1, max_size=5))
def test_no_hidden_month_can_be_solved_from_running_totals_beside_monthly_counts(monthly):
    threshold = DEFAULT_THRESHOLD
    rows = suppress_running_totals({f"m{n}": value for n, value in enumerate(monthly)})
    hidden_months = [n for n, row in enumerate(rows) if row.count.is_suppressed]
    assume(len(hidden_months) <= 3)
    for row in rows:
        for figure in (row.count, row.cumulative):
            assert figure.is_suppressed or not 0 < figure.value < threshold
    alternatives = []
    for guess in itertools.product(range(1, threshold), repeat=len(hidden_months)):
        candidate = list(monthly)
        for n, value in zip(hidden_months, guess, strict=True):
            candidate[n] = value
        running = list(itertools.accumulate(candidate))
        if all(
            row.cumulative.value == running[n]
            if not row.cumulative.is_suppressed
            else label_range(row.cumulative)[0] <= running[n] <= label_range(row.cumulative)[1]
            for n, row in enumerate(rows)
        ):
            alternatives.append(guess)
    assert tuple(monthly[n] for n in hidden_months) in alternatives
    for position in range(len(hidden_months)):
        assert len({guess[position] for guess in alternatives}) > 1


def test_running_totals_never_change_what_an_earlier_edition_showed():
    monthly = [12, 7, 20, 4, 0, 3, 15, 9, 30]
    full = suppress_running_totals({f"m{n}": value for n, value in enumerate(monthly)})
    for length in range(1, len(monthly)):
        earlier = suppress_running_totals({f"m{n}": value for n, value in enumerate(monthly[:length])})
        assert earlier == full[:length]


@FAST
@given(st.integers(0, 300), st.integers(0, 300), thresholds)
def test_a_rate_never_reveals_a_small_count(numerator, extra, threshold):
    denominator = numerator + extra
    shown = rate(numerator, denominator, threshold)
    if not shown.is_suppressed:
        assert denominator >= threshold
        assert not 0 < numerator < threshold and not 0 < denominator - numerator < threshold
