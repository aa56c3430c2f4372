"""Linked suppression: officers inside units inside the program, crossed with training groups and months.

The attackers of test_suppression (subtraction along lines, linear algebra, interval narrowing, an
exhaustive search for other tables) get every shown figure and every relation between figures and
leaves, and must not pin down any hidden figure.
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deflection.suppression import Published, Reason
from deflection.tests.test_suppression import (
    Publication,
    figures_that_can_change,
    narrow_intervals,
    solve_linear_system,
    subtract_along_lines,
)
from reports.publication import Figure, publish_linked

T = 11


def leaf_figures(wholes):
    return [Figure(("leaf", i), frozenset({i}), whole=whole, rank=0) for i, whole in enumerate(wholes)]


def attack(values, wholes, figures, published, threshold=T):
    """Run every attacker; return the hidden published figures that some attack pins down."""
    truth, known, ranges, equations = {}, {}, {}, []
    for i, (value, whole) in enumerate(zip(values, wholes, strict=True)):
        truth[("cell", i)] = value
        ranges[("cell", i)] = (0, whole)
    for figure in figures:
        value = sum(values[i] for i in figure.leaves)
        truth[figure.key] = value
        shown = published[figure.key]
        if shown.is_suppressed:
            # "fewer than N" beside a referral count can be none (a zero beside a small whole is hidden);
            # a withheld measure tells nothing at all.
            ranges[figure.key] = {
                Reason.SMALL_COUNT: (0, threshold - 1),
                Reason.COMPLEMENTARY: (threshold, math.inf),
                Reason.WITHHELD: (0, math.inf),
            }[shown.reason]
        else:
            known[figure.key] = shown.value
        equations.append([(figure.key, -1), *((("cell", i), 1) for i in figure.leaves)])
    pub = Publication(truth, known, ranges, equations)
    hidden = {figure.key for figure in figures if published[figure.key].is_suppressed}
    found = set(subtract_along_lines(pub)) & hidden
    found |= set(solve_linear_system(pub)[0]) & hidden
    found |= {key for key, (low, high) in narrow_intervals(pub).items() if key in hidden and low == high}
    movable = figures_that_can_change(pub, most_free=9)
    if movable is not None:
        found |= hidden - movable
    # Pinning "0 of 0" or "40 of 80" gives nothing away; pinning "4", or "16 of 20", does.
    wholes_of = {figure.key: figure.whole for figure in figures}
    return {
        key
        for key in found
        if 0 < truth[key] < threshold or (wholes_of[key] is not None and 0 < wholes_of[key] - truth[key] < threshold)
    }


def assert_safe(values, wholes, figures, published, threshold=T):
    for figure in figures:
        shown = published[figure.key]
        value = sum(values[i] for i in figure.leaves)
        if not shown.is_suppressed:
            assert shown.value == value
            assert not 0 < value < threshold, f"{figure.key} = {value} is shown"
            if figure.whole is not None:
                assert not 0 < figure.whole - value < threshold, f"{figure.key}: {figure.whole} - {value} is small"
    assert not attack(values, wholes, figures, published, threshold)


# Hand-worked ------------------------------------------------------------------------------------------


def test_a_lone_small_officer_gets_a_partner_in_the_same_unit_so_the_unit_total_stays():
    # Officers 0-2 in unit A, officer 3 in unit B. Quality referrals out of referrals.
    values, wholes = [3, 20, 25, 40], [12, 40, 40, 60]
    unit_a = frozenset({0, 1, 2})
    figures = [
        *leaf_figures(wholes),
        Figure("unit A", unit_a, whole=92, rank=1),
        Figure("unit B", frozenset({3}), whole=60, rank=1),
        Figure("program", frozenset(range(4)), whole=152, rank=2),
    ]
    published = publish_linked(values, wholes, figures, T)
    assert published[("leaf", 0)].display == "fewer than 11"
    # The cheapest partner: the smaller officer of the same unit, so both unit totals stay shown.
    assert published[("leaf", 1)].display == "not shown"
    assert published[("leaf", 2)] == Published(25)
    assert published["unit A"] == Published(48)
    assert published["program"] == Published(88)
    assert_safe(values, wholes, figures, published)


def test_referred_but_not_engaged_is_protected_too():
    # 15 quality referrals out of 20: "5 referred but not engaged" would be a small count.
    figures = [*leaf_figures([20, 30]), Figure("program", frozenset({0, 1}), whole=50, rank=1)]
    published = publish_linked([15, 12], [20, 30], figures, T)
    assert published[("leaf", 0)].display == "not shown"
    assert published[("leaf", 1)].is_suppressed  # its partner, since the program total is shown
    assert published["program"] == Published(27)


def test_a_zero_out_of_a_few_referrals_reads_fewer_than_11():
    # Showing 0 beside 4 referrals would say "4 referred, none engaged".
    figures = [*leaf_figures([4, 50]), Figure("program", frozenset({0, 1}), whole=54, rank=1)]
    published = publish_linked([0, 30], [4, 50], figures, T)
    assert published[("leaf", 0)].display == "fewer than 11"


def test_forced_hiding_is_protected_like_any_other():
    figures = [*leaf_figures([100, 100, 100]), Figure("program", frozenset({0, 1, 2}), whole=300, rank=1)]
    published = publish_linked([40, 50, 60], [100, 100, 100], figures, T, hide=[("leaf", 2)])
    assert published[("leaf", 2)].is_suppressed
    assert published[("leaf", 0)].is_suppressed  # the smallest partner
    assert published[("leaf", 1)] == Published(50)


def test_a_quarter_with_one_hidden_month_is_hidden_when_the_months_are_fixed():
    # Leaves: one officer's three months. The months were published on their own.
    months = [Published(30), Published(25), Published.hidden(Reason.SMALL_COUNT)]
    figures = [
        *(Figure(("month", i), frozenset({i}), whole=60, fixed=months[i]) for i in range(3)),
        Figure("quarter", frozenset({0, 1, 2}), whole=180, rank=1),
    ]
    published = publish_linked([30, 25, 4], [60, 60, 60], figures, T)
    assert published["quarter"].is_suppressed
    assert published[("month", 2)] == months[2]
    assert_safe([30, 25, 4], [60, 60, 60], figures, published)


def test_a_quarter_whose_hidden_months_trade_with_each_other_is_shown():
    months = [Published(30), Published.hidden(Reason.SMALL_COUNT), Published.hidden(Reason.SMALL_COUNT)]
    figures = [
        *(Figure(("month", i), frozenset({i}), whole=60, fixed=months[i]) for i in range(3)),
        Figure("quarter", frozenset({0, 1, 2}), whole=180, rank=1),
    ]
    published = publish_linked([30, 4, 6], [60, 60, 60], figures, T)
    assert published["quarter"] == Published(40)


def test_a_fixed_figure_must_match_its_leaves():
    figures = [Figure("month", frozenset({0}), fixed=Published(12))]
    with pytest.raises(ValueError, match="published as 12"):
        publish_linked([13], [20], figures, T)


# Properties ---------------------------------------------------------------------------------------


@st.composite
def structures(draw):
    """Officers in units of a program, some trained: leaves with values out of wholes."""
    threshold = draw(st.sampled_from([11, 11, 13]))
    n = draw(st.integers(2, 7))
    wholes = [draw(st.one_of(st.integers(0, 3 * threshold), st.sampled_from([threshold, threshold + 2]))) for _ in range(n)]
    values = [draw(st.integers(0, whole)) for whole in wholes]
    units = [draw(st.integers(0, 2)) for _ in range(n)]
    trained = [draw(st.booleans()) for _ in range(n)]
    figures = [Figure(("leaf", i), frozenset({i}), whole=wholes[i], rank=0) for i in range(n)]
    for unit in sorted(set(units)):
        members = frozenset(i for i in range(n) if units[i] == unit)
        figures.append(Figure(("unit", unit), members, whole=sum(wholes[i] for i in members), rank=1))
    for flag in (True, False):
        members = frozenset(i for i in range(n) if trained[i] == flag)
        if members:
            figures.append(Figure(("trained", flag), members, whole=sum(wholes[i] for i in members), rank=2))
    figures.append(Figure("program", frozenset(range(n)), whole=sum(wholes), rank=3))
    return threshold, values, wholes, figures


@settings(max_examples=120, deadline=None)
@given(structures())
def test_no_linked_publication_shows_a_small_count_or_lets_one_be_worked_out(example):
    threshold, values, wholes, figures = example
    published = publish_linked(values, wholes, figures, threshold)
    assert_safe(values, wholes, figures, published, threshold)


@st.composite
def month_structures(draw):
    """Two officers over three months: months published first, then the quarter with months fixed."""
    threshold = T
    wholes = [draw(st.integers(0, 40)) for _ in range(6)]  # leaf = officer * 3 + month
    values = [draw(st.integers(0, whole)) for whole in wholes]
    return threshold, values, wholes


@settings(max_examples=80, deadline=None)
@given(month_structures())
def test_quarters_built_on_fixed_months_never_give_a_month_away(example):
    threshold, values, wholes = example
    month_figures = []
    fixed = {}
    for month in range(3):
        leaves = [officer * 3 + month for officer in range(2)]
        figures = [Figure(("officer-month", leaf), frozenset({leaf}), whole=wholes[leaf]) for leaf in leaves]
        figures.append(Figure(("program-month", month), frozenset(leaves), whole=sum(wholes[i] for i in leaves), rank=2))
        # Each month on its own: only its own leaves are in play.
        local = {leaf: n for n, leaf in enumerate(leaves)}
        renumbered = [Figure(f.key, frozenset(local[i] for i in f.leaves), f.whole, f.rank) for f in figures]
        published = publish_linked([values[i] for i in leaves], [wholes[i] for i in leaves], renumbered, threshold)
        fixed.update(published)
        month_figures += figures
    figures = [Figure(f.key, f.leaves, f.whole, f.rank, fixed=fixed[f.key]) for f in month_figures]
    for officer in range(2):
        leaves = frozenset(officer * 3 + month for month in range(3))
        figures.append(Figure(("officer-quarter", officer), leaves, whole=sum(wholes[i] for i in leaves), rank=1))
    figures.append(Figure("program-quarter", frozenset(range(6)), whole=sum(wholes), rank=3))
    published = publish_linked(values, wholes, figures, threshold)
    assert_safe(values, wholes, figures, published, threshold)
