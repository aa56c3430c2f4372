"""The four differencing attacks of issue 11, each tried against the pages that published them.

reports/README.md ("Figures that resist differencing") states the rules these tests hold.
"""

import uuid
from datetime import timedelta

from deflection.models import AgencyKind, Pathway
from referrals.models import Handoff, Participant, Referral, ServiceKind, Status
from referrals.tests.factories import ConsentFactory, ProviderServiceFactory
from reports import exports
from reports.dashboard import dashboard_report
from reports.evaluation import evaluation_sheet
from reports.leaderboard import leaderboard
from reports.periods import Period
from reports.tests.conftest import MARCH, make_referrals


def tiles(report) -> dict[str, str]:
    return {tile.label: tile.value for tile in report.tiles}


def is_number(text: str) -> bool:
    return any(character.isdigit() for character in text)


def consent_for(world, referrals):
    for referral in referrals:
        ConsentFactory(
            participant=referral.participant,
            disclosing_agency=world.provider,
            recipient_officer=referral.officer,
            witnessed_by=world.case_manager,
        )


# 1. Custom ranges: a one-day range beside a two-day range -------------------------------------------


def test_overlapping_custom_ranges_show_no_people_counts_medians_or_outcomes(reports_world):
    """Two ranges that differ by one day would tell whether that day's person was referred before, how
    fast they were contacted and whether they engaged: custom ranges show referral counts only."""
    world = reports_world
    program = world.program
    # One person referred on 9 March and again on 10 March (a re-referral), contacted and engaged.
    again = make_referrals(world, world.officer, world.police, 1, 1, MARCH - timedelta(days=1))[0]
    Referral.objects.filter(pk=again.pk).update(participant=Referral.objects.filter(created_at=MARCH).first().participant)
    day = MARCH.date()  # 15:00 UTC: the same day in the program's zone
    one = Period.custom(day, day, program.time_zone)
    two = Period.custom(day - timedelta(days=1), day, program.time_zone)
    for period in (one, two):
        shown = tiles(dashboard_report(program=program, period=period))
        assert is_number(shown["Referrals"])
        for label in (
            "People referred",
            "Contacted",
            "Quality referrals",
            "Re-referrals",
            "Median time to first contact",
            "Median time to treatment entry",
            "Acknowledged within 30 minutes",
        ):
            assert not is_number(shown[label]), (period, label, shown[label])


# 2. The officer's own total against the consented referrals the officer sees -----------------------


def officer_quarter(world, *, consented: int):
    """40 March referrals by the officer, 25 engaged; the first `consented` have a consent naming them.

    The last referral is engaged and never consented when consented < 40."""
    made = make_referrals(world, world.officer, world.police, 40, 24, MARCH)
    Referral.objects.filter(pk=made[-1].pk).update(engaged_at=made[-1].created_at + timedelta(days=2), status=Status.ENGAGED)
    consent_for(world, made[:consented])
    return Period.quarter(2026, 1, world.program.time_zone)


def test_an_officers_total_is_withheld_when_it_would_give_away_one_unconsented_outcome(world, frozen):
    """25 engaged in total, 24 of them visible one by one under consent: the total would say that the
    one person who did not consent engaged."""
    quarter = officer_quarter(world, consented=39)
    sheet = evaluation_sheet(program=world.program, officer=world.officer, period=quarter)
    assert sheet.quality.display == "withheld"
    assert sheet.quality_rate.display == "withheld"
    board = leaderboard(program=world.program, period=quarter, visible_agency_ids={world.police.pk})
    assert next(r for r in board.officers if r.key == world.officer.pk).quality.display == "withheld"


def test_an_officers_total_is_shown_when_they_may_see_every_outcome_in_it(world, frozen):
    quarter = officer_quarter(world, consented=40)
    sheet = evaluation_sheet(program=world.program, officer=world.officer, period=quarter)
    assert sheet.quality.display == "25"


# 3. A percentage over one referral -------------------------------------------------------------------


def test_a_one_day_sheet_shows_no_acknowledged_share_over_one_referral(world, frozen):
    made = make_referrals(world, world.officer, world.police, 1, 0, MARCH)
    Referral.objects.filter(pk=made[0].pk).update(acknowledged_at=None)  # not acknowledged: "0%" would say so
    day = MARCH.date()
    for period in (Period.custom(day, day, world.program.time_zone), Period.month(2026, 3, world.program.time_zone)):
        sheet = evaluation_sheet(program=world.program, officer=world.officer, period=period)
        assert "%" not in sheet.acknowledged_share, (period, sheet.acknowledged_share)
        report = dashboard_report(program=world.program, period=period)
        assert "%" not in tiles(report)["Acknowledged within 30 minutes"]


def test_an_acknowledged_share_over_enough_referrals_is_shown(world, frozen):
    make_referrals(world, world.officer, world.police, 30, 10, MARCH)
    sheet = evaluation_sheet(program=world.program, officer=world.officer, period=Period.month(2026, 3, "UTC"))
    assert sheet.acknowledged_share == "100%"


# 4. The federal export's people counts ---------------------------------------------------------------


def referrals_of(world, people: list[Participant], service):
    Referral.objects.bulk_create(
        Referral(
            program=world.program,
            participant=person,
            officer=world.officer,
            agency=world.police,
            provider=world.provider,
            service=service,
            pathway=Pathway.OFFICER_REFERRAL,
            handoff=Handoff.FOLLOW_UP,
            idempotency_key=uuid.uuid4(),
            form_opened_at=MARCH,
            created_at=MARCH + timedelta(hours=n),
            completion_seconds=300,
        )
        for n, person in enumerate(people)
    )


def test_the_federal_export_hides_treatment_and_recovery_people_beside_a_hidden_total(world, frozen):
    """20 referrals of 15 people: the total people is hidden (5 re-referrals would show), so the 15
    people referred to treatment beside it would give it away and are hidden too."""
    detox = ProviderServiceFactory(agency=world.provider, kind=ServiceKind.DETOX)
    people = Participant.objects.bulk_create(
        [Participant(program=world.program, first_name="Pat", last_name="Doe", created_by=world.officer) for _ in range(15)]
    )
    referrals_of(world, people + people[:5], detox)
    assert world.provider.kind == AgencyKind.TREATMENT
    rows = {m.code: m.value for m in exports.federal_measures(program=world.program, quarter=Period.quarter(2026, 1, "UTC"))}
    assert rows["diversion_referrals_total"] == "20"
    assert not is_number(rows["individuals_referred"])
    assert not is_number(rows["referred_to_treatment"])
    assert not is_number(rows["referred_to_recovery_support"])


def test_the_federal_export_shows_people_counts_that_give_nothing_away(world, frozen):
    detox = ProviderServiceFactory(agency=world.provider, kind=ServiceKind.DETOX)
    people = Participant.objects.bulk_create(
        [Participant(program=world.program, first_name="Pat", last_name="Doe", created_by=world.officer) for _ in range(30)]
    )
    referrals_of(world, people + people[:15], detox)
    rows = {m.code: m.value for m in exports.federal_measures(program=world.program, quarter=Period.quarter(2026, 1, "UTC"))}
    assert (rows["individuals_referred"], rows["referred_to_treatment"], rows["referred_to_recovery_support"]) == (
        "30",
        "30",
        "0",
    )
