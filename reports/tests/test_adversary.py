# ruff: noqa: B023, B007  (every lambda here is called at once by Reader.index, inside its loop)
"""The adversary test (issue 11): no suppressed cell can be worked out from everything a role can see.

Hypothesis plants random small programs: three referring officers in two agencies (two of them in one
unit), each with a few referrals in each month of Q1 2026, some engaged in treatment within 30 days
(a quality referral) and some of them under a consent naming the officer. The page builders (the same
engine that publishes) then give everything a reader can see of the quality measure:

* the coordinator: the dashboard of the program and of each agency, the leaderboard and every
  officer's evaluation sheet, for each month, the quarter, the year and custom ranges; the monthly and
  quarterly newsletters; the federal export. Command staff and supervisors see a part of this, so
  what holds for the coordinator holds for them;
* each officer: their own evaluation sheets, the newsletters, and, one by one, the outcome of every
  referral of theirs under a consent.

Every shown figure is a sum of cells (one officer's referrals of one month): a number fixes the sum,
"fewer than 11" bounds it to 0..10 and "not shown" to 11 or more (what the labels tell a reader);
"withheld" tells nothing. Referral counts are shown, so each cell lies between 0 and its referrals,
narrowed for an officer by what consent showed them. A small search over whole-number cells then
checks that no hidden figure, no planted cell of 1 to 10 (engaged or not) and no officer's unseen part
is pinned to one value by what was collected, unless the reader knew it already on their own.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import time_machine
from django.core.cache import cache
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from deflection.models import Pathway
from referrals.models import Consent, DisclosureLevel, Handoff, Participant, Referral, Status
from reports import exports, metrics
from reports.dashboard import dashboard_report
from reports.evaluation import evaluation_sheet
from reports.leaderboard import leaderboard
from reports.newsletter import newsletter_content
from reports.periods import Period

THRESHOLD = 11
NOW = datetime(2027, 2, 15, 12, 0, tzinfo=UTC)  # every 2026 quality figure is final
MONTHS = (1, 2, 3)
INF = 10**6


# Planting -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    referrals: int
    engaged: int
    consented_engaged: int
    consented_other: int


cell = st.integers(0, 14).flatmap(
    lambda n: st.integers(0, n).flatmap(
        lambda q: st.tuples(st.integers(0, q), st.integers(0, n - q)).map(lambda c: Cell(n, q, c[0], c[1]))
    )
)
# A cell per (officer, month), officers in order: officer, officer2 (both Riverside, District 1), deputy.
programs = st.lists(cell, min_size=9, max_size=9)


def plant(world, cells: list[Cell]) -> dict[tuple[int, int], Cell]:
    officers = (world.officer, world.other_officer, world.deputy)
    planted = {}
    for index, found in enumerate(cells):
        officer, month = officers[index // 3], MONTHS[index % 3]
        planted[(officer.pk, month)] = found
        if not found.referrals:
            continue
        agency = world.sheriff if officer == world.deputy else world.police
        when = datetime(2026, month, 12, 15, 0, tzinfo=UTC)
        people = Participant.objects.bulk_create(
            [
                Participant(program=world.program, first_name="Pat", last_name="Doe", created_by=officer)
                for _ in range(found.referrals)
            ]
        )
        referrals = []
        for n, person in enumerate(people):
            created = when + timedelta(minutes=n)
            engaged = n < found.engaged
            referrals.append(
                Referral(
                    program=world.program,
                    participant=person,
                    officer=officer,
                    agency=agency,
                    provider=world.provider,
                    pathway=Pathway.OFFICER_REFERRAL,
                    handoff=Handoff.FOLLOW_UP,
                    idempotency_key=uuid.uuid4(),
                    form_opened_at=created - timedelta(minutes=5),
                    created_at=created,
                    completion_seconds=300,
                    acknowledged_at=created + timedelta(minutes=10),
                    first_contact_at=created + timedelta(hours=5),
                    engaged_at=created + timedelta(days=3) if engaged else None,
                    status=Status.ENGAGED if engaged else Status.CONTACTED,
                )
            )
        Referral.objects.bulk_create(referrals)
        seen = referrals[: found.consented_engaged] + referrals[found.engaged : found.engaged + found.consented_other]
        Consent.objects.bulk_create(
            Consent(
                participant_id=referral.participant_id,
                disclosing_agency=world.provider,
                information_description="Whether I engaged in treatment.",
                level=DisclosureLevel.STATUS,
                recipient_officer=officer,
                purpose="Feedback to the referring officer.",
                revocation_terms="Tell my case manager.",
                expires_on=NOW.date() + timedelta(days=365),
                signature_name="Signed",
                signature_ticked=True,
                signed_on=referral.created_at.date(),
                witnessed_by=world.case_manager,
            )
            for referral in seen
        )
    return planted


# What a reader collects ---------------------------------------------------------------------------


@dataclass
class Reader:
    name: str
    cells: list[tuple[int, int]]  # (officer, month) of every cell with referrals
    low: dict[int, int]
    high: dict[int, int]
    # (cell indexes, lowest, highest, what it is) for each shown or labelled figure
    constraints: list[tuple[frozenset, int, int, str]] = field(default_factory=list)
    hidden: list[tuple[frozenset, str]] = field(default_factory=list)

    def index(self, keep) -> frozenset:
        return frozenset(i for i, (officer, month) in enumerate(self.cells) if keep(officer, month))

    def saw(self, leaves: frozenset, display: str, what: str) -> None:
        text = display.strip().replace(",", "")
        if text.isdigit():
            self.constraints.append((leaves, int(text), int(text), what))
        elif text == f"fewer than {THRESHOLD}":
            self.constraints.append((leaves, 0, THRESHOLD - 1, what))
            self.hidden.append((leaves, what))
        elif text == "not shown":
            self.constraints.append((leaves, THRESHOLD, INF, what))
            self.hidden.append((leaves, what))
        else:
            assert not re.search(r"\d", text), f"{what} reads {display!r}"
            self.hidden.append((leaves, what))


def months_of(period: Period) -> set[int]:
    return {m.first_day.month for m in period.months() if m.first_day.year == 2026}


BUILT: dict = {}  # each page is built once per planted program and read by every reader


def built(builder, **kwargs):
    key = (builder.__name__, *sorted((name, getattr(value, "pk", value)) for name, value in kwargs.items()))
    if key not in BUILT:
        BUILT[key] = builder(**kwargs, now=NOW)
    return BUILT[key]


def collect_newsletters(reader: Reader, world) -> None:
    program = world.program
    for period in [Period.month(2026, m, program.time_zone) for m in MONTHS] + [Period.quarter(2026, 1, program.time_zone)]:
        content = built(newsletter_content, program=program, period=period)
        outcome_months = months_of(content.outcome_period)
        for tile in content.tiles:
            if tile.label == metrics.QUALITY.label:
                reader.saw(reader.index(lambda o, m: m in outcome_months), tile.value, f"newsletter {period.key} tile")
        collect_chart(reader, content.trend, program, f"newsletter {period.key} trend")
        collect_funnel(reader, content.funnel, outcome_months, f"newsletter {period.key} funnel")
        collect_training(reader, content.training, f"newsletter {period.key}")


def collect_chart(reader: Reader, chart, program, what: str) -> None:
    """A monthly trend's table: a row per month, quality referrals in the column of that name."""
    column = chart.table.headers.index(metrics.QUALITY.label) - 1
    labels = {Period.month(2026, m, program.time_zone).short_label: m for m in range(1, 13)}
    for label, cells in chart.table.rows:
        month = labels.get(label)
        months = {month} if month is not None else set()
        reader.saw(reader.index(lambda o, m, months=months: m in months), cells[column], f"{what} {label}")


def collect_funnel(reader: Reader, chart, months: set[int], what: str, keep=lambda officer: True) -> None:
    for label, cells in chart.table.rows:
        if label == metrics.QUALITY.label:
            reader.saw(reader.index(lambda o, m: m in months and keep(o)), cells[0], what)


def collect_training(reader: Reader, training, what: str, keep=lambda officer: True) -> None:
    # No one has completed a core curriculum here: "not (yet) completed" is everyone.
    for group in training.groups:
        quarter = re.search(r", Q([1-4]) 2026$", group.label)
        months = {3 * int(quarter[1]) - 2 + n for n in range(3)} if quarter else months_of(training.period)
        months &= set(MONTHS)
        everyone = group.label.startswith("Not")
        reader.saw(
            reader.index(lambda o, m, months=months, everyone=everyone: everyone and m in months and keep(o)),
            group.quality.display,
            f"{what} training {group.label}",
        )


def collect_coordinator(reader: Reader, world, periods, customs) -> None:
    program = world.program
    agency_of = {world.officer.pk: world.police.pk, world.other_officer.pk: world.police.pk, world.deputy.pk: world.sheriff.pk}
    unit_members = {world.officer.memberships.get().unit_id: {world.officer.pk, world.other_officer.pk}}
    everyone = set(agency_of)
    for period in periods:
        months = months_of(period)
        for agency in (None, world.police, world.sheriff):
            report = dashboard_report(program=program, period=period, agency=agency, now=NOW)
            members = everyone if agency is None else {o for o, a in agency_of.items() if a == agency.pk}
            keep = members.__contains__
            for tile in report.tiles:
                if tile.label == metrics.QUALITY.label:
                    reader.saw(reader.index(lambda o, m: m in months and keep(o)), tile.value, f"dashboard {period.key}")
            column = report.trend.table.headers.index(metrics.QUALITY.label) - 1
            labels = {Period.month(y, m, program.time_zone).short_label: (y, m) for y in (2025, 2026) for m in range(1, 13)}
            for label, cells in report.trend.table.rows:
                year, month = labels[label]
                reader.saw(
                    reader.index(lambda o, m, year=year, month=month: year == 2026 and m == month and keep(o)),
                    cells[column],
                    f"dashboard trend {label}",
                )
            collect_funnel(reader, report.funnel, months, f"dashboard funnel {period.key}", keep)
            for each, _n, quality, _rate in report.agency_rows:
                reader.saw(
                    reader.index(lambda o, m, each=each: m in months and agency_of[o] == each.pk),
                    quality.display,
                    f"dashboard agencies {period.key}",
                )
            if agency is None:
                collect_training(reader, report.training, f"dashboard {period.key}")
        board = leaderboard(program=program, period=period, visible_agency_ids={world.police.pk, world.sheriff.pk}, now=NOW)
        for row in board.officers:
            reader.saw(
                reader.index(lambda o, m, row=row: m in months and o == row.key), row.quality.display, f"board {period.key}"
            )
        for row in board.units:
            members = unit_members.get(row.key, set())
            reader.saw(
                reader.index(lambda o, m, members=members: m in months and o in members),
                row.quality.display,
                f"board unit {period.key}",
            )
        for officer in (world.officer, world.other_officer, world.deputy):
            collect_sheet(reader, world, officer, period)
    for period in customs:
        for agency in (None, world.police):
            report = dashboard_report(program=program, period=period, agency=agency, now=NOW)
            for tile in report.tiles:
                if tile.label in (metrics.QUALITY.label, "People referred", "Acknowledged within 30 minutes"):
                    assert not re.search(r"\d", tile.value), (period, tile.label, tile.value)
        board = leaderboard(program=program, period=period, visible_agency_ids={world.police.pk}, now=NOW)
        assert all(row.quality.is_suppressed for row in [*board.officers, *board.units])
        for officer in (world.officer, world.deputy):
            sheet = evaluation_sheet(program=program, officer=officer, period=period, now=NOW)
            assert sheet.quality.is_suppressed and "%" not in sheet.acknowledged_share
    with time_machine.travel(NOW, tick=False):
        quarter = Period.quarter(2026, 1, program.time_zone)
        for measure in exports.federal_measures(program=program, quarter=quarter):
            if measure.code == "engaged_in_treatment_30_days":
                reader.saw(reader.index(lambda o, m: True), measure.value, "federal export")
    collect_newsletters(reader, world)


def collect_sheet(reader: Reader, world, officer, period) -> None:
    sheet = built(evaluation_sheet, program=world.program, officer=officer, period=period)
    months = months_of(period)
    display = sheet.quality.display if sheet.officer_outcomes else "by quarter"
    reader.saw(reader.index(lambda o, m: m in months and o == officer.pk), display, f"sheet {officer.username} {period.key}")
    if not sheet.quality_rate.is_suppressed:
        assert not sheet.quality.is_suppressed  # a share is never shown over a hidden count


# The search ---------------------------------------------------------------------------------------


def feasible(reader: Reader, constraints, extra: tuple | None) -> bool:
    """Whether whole-number cells within the reader's bounds meet every constraint (and `extra`).

    Bounds propagation (each sum's limits narrow each of its cells) and then branching on the
    narrowest cell: exact, and quick for the dozen cells of these programs."""
    rules = [(tuple(leaves), low, high) for leaves, low, high, _what in constraints if leaves]
    if extra is not None:
        rules.append((tuple(extra[0]), extra[1], extra[2]))
    for leaves, low, high in [(leaves, low, high) for leaves, low, high, _what in constraints if not leaves]:
        if not low <= 0 <= high:
            return False
    count = len(reader.cells)

    def propagate(low: list[int], high: list[int]) -> bool:
        changed = True
        while changed:
            changed = False
            for leaves, rule_low, rule_high in rules:
                least = sum(low[i] for i in leaves)
                most = sum(high[i] for i in leaves)
                if least > rule_high or most < rule_low:
                    return False
                for i in leaves:
                    new_low = max(low[i], rule_low - (most - high[i]))
                    new_high = min(high[i], rule_high - (least - low[i]))
                    if new_low > new_high:
                        return False
                    if (new_low, new_high) != (low[i], high[i]):
                        least += new_low - low[i]
                        most += new_high - high[i]
                        low[i], high[i] = new_low, new_high
                        changed = True
        return True

    def search(low: list[int], high: list[int]) -> bool:
        if not propagate(low, high):
            return False
        open_cells = [i for i in range(count) if low[i] < high[i]]
        if not open_cells:
            return True
        cell = min(open_cells, key=lambda i: high[i] - low[i])
        for value in range(low[cell], high[cell] + 1):
            a, b = list(low), list(high)
            a[cell] = b[cell] = value
            if search(a, b):
                return True
        return False

    return search([reader.low[i] for i in range(count)], [reader.high[i] for i in range(count)])


def determined(reader: Reader, constraints, leaves: frozenset, true: int) -> bool:
    below = feasible(reader, constraints, (leaves, -INF, true - 1))
    return not below and not feasible(reader, constraints, (leaves, true + 1, INF))


def check(reader: Reader, planted: dict, targets: list[tuple[frozenset, str]]) -> None:
    truth = [planted[key].engaged for key in reader.cells]
    whole = [planted[key].referrals for key in reader.cells]
    for leaves, _low, _high, what in reader.constraints:
        value = sum(truth[i] for i in leaves)
        assert _low <= value <= _high, f"{reader.name}: {what} is inconsistent with the planted program"
    for leaves, what in targets:
        true = sum(truth[i] for i in leaves)
        referrals = sum(whole[i] for i in leaves)
        # A suppressed cell: a count of 1 to 10, engaged or not. A figure hidden for another reason
        # (by quarter, to protect a neighbour) with neither part small reveals nothing when pinned.
        if not (small(true) or small(referrals - true)):
            continue
        if not determined(reader, reader.constraints, leaves, true):
            continue
        # Known without any published figure (an officer whose every referral there is consented)?
        shown = sorted({(tuple(sorted(reader.cells[i] for i in ls)), lo, hi) for ls, lo, hi, w in reader.constraints if ls})
        assert determined(reader, [], leaves, true), (
            f"{reader.name} can work out {what} = {true} ({[reader.cells[i] for i in leaves]}) from {shown} planted {planted}"
        )


def small(value: int) -> bool:
    return 0 < value < THRESHOLD


# The test -----------------------------------------------------------------------------------------


@settings(
    max_examples=4,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a failure is reported as found: shrinking reruns every page
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cells=programs)
def test_no_suppressed_cell_can_be_worked_out_by_any_reader(world, cells):
    program = world.program
    periods = [Period.month(2026, m, program.time_zone) for m in MONTHS]
    periods += [Period.quarter(2026, 1, program.time_zone), Period.year(2026, program.time_zone)]
    customs = [
        Period.custom(datetime(2026, 1, 12).date(), datetime(2026, 1, 12).date(), program.time_zone),
        Period.custom(datetime(2026, 1, 11).date(), datetime(2026, 1, 12).date(), program.time_zone),
        Period.custom(datetime(2026, 1, 1).date(), datetime(2026, 2, 15).date(), program.time_zone),
    ]
    with transaction.atomic(), time_machine.travel(NOW, tick=False):
        cache.clear()  # rollups are rolled back with each example: no publication may outlive its counts
        BUILT.clear()
        planted = plant(world, cells)
        keys = [key for key, found in planted.items() if found.referrals]
        everyone_low = {i: 0 for i in range(len(keys))}
        everyone_high = {i: planted[key].referrals for i, key in enumerate(keys)}
        coordinator = Reader("coordinator", keys, everyone_low, everyone_high)
        collect_coordinator(coordinator, world, periods, customs)
        readers = [coordinator]
        for officer in (world.officer, world.other_officer, world.deputy):
            low, high = dict(everyone_low), dict(everyone_high)
            for i, key in enumerate(keys):
                if key[0] == officer.pk:  # what consent showed them, referral by referral
                    found = planted[key]
                    low[i] = found.consented_engaged
                    high[i] = found.referrals - found.consented_other
            reader = Reader(officer.username, keys, low, high)
            for period in periods:
                collect_sheet(reader, world, officer, period)
            collect_newsletters(reader, world)
            readers.append(reader)
        transaction.set_rollback(True)

    for reader in readers:
        targets = list(reader.hidden)
        for i, key in enumerate(keys):
            found = planted[key]
            if small(found.engaged) or small(found.referrals - found.engaged):
                targets.append((frozenset({i}), f"the planted cell {key}"))
        if reader.name != "coordinator":
            officer = next(o for o in (world.officer, world.other_officer, world.deputy) if o.username == reader.name)
            for months in ({1}, {2}, {3}, {1, 2, 3}):
                mine = reader.index(lambda o, m, months=months: o == officer.pk and m in months)
                unseen = sum(
                    planted[keys[i]].referrals - planted[keys[i]].consented_engaged - planted[keys[i]].consented_other
                    for i in mine
                )
                unseen_engaged = sum(planted[keys[i]].engaged - planted[keys[i]].consented_engaged for i in mine)
                if unseen and (small(unseen_engaged) or small(unseen - unseen_engaged)):
                    targets.append((mine, f"{officer.username}'s unseen part of months {sorted(months)}"))
        check(reader, planted, targets)
