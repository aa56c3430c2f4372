"""Every figure of reports.metrics against values worked out by hand on a small fixed data set."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from deflection.models import Pathway
from referrals.models import Handoff, Status, StatusChange
from referrals.tests.factories import ReferralFactory
from reports import metrics
from reports.periods import Period

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def march(world):
    """Four referrals made in March 2026 (Chicago time), one just after, one in another program."""
    program = world.program
    officer_a, officer_b = world.officer, world.other_officer

    def refer(officer, created, **fields):
        return ReferralFactory(
            program=program, officer=officer, agency=world.police, provider=world.provider, created_at=created, **fields
        )

    def step(referral, status, after):
        StatusChange.objects.create(referral=referral, status=status, at=referral.created_at + after, by=world.case_manager)

    r1 = refer(
        officer_a,
        at(2026, 3, 2, 15),
        pathway=Pathway.OFFICER_REFERRAL,
        handoff=Handoff.WARM,
        completion_seconds=300,
        acknowledged_at=at(2026, 3, 2, 15, 10),
        first_contact_at=at(2026, 3, 2, 20),
        engaged_at=at(2026, 3, 5, 15),
        status=Status.CLOSED,
    )
    step(r1, Status.ENGAGED, timedelta(days=3))
    step(r1, Status.RETAINED_30, timedelta(days=40))
    step(r1, Status.RETAINED_90, timedelta(days=100))
    step(r1, Status.CLOSED, timedelta(days=120))  # closing later takes nothing away
    refer(
        officer_a,
        at(2026, 3, 10, 12),
        pathway=Pathway.NALOXONE_PLUS,
        completion_seconds=600,
        acknowledged_at=at(2026, 3, 10, 12, 45),  # 45 minutes: too late for the 30-minute goal
        first_contact_at=at(2026, 3, 12, 12),
        engaged_at=at(2026, 4, 19, 12),  # 40 days: engaged, but not a quality referral
    )
    r3 = refer(
        officer_b,
        at(2026, 3, 20, 12),
        participant=r1.participant,  # a re-referral
        completion_seconds=240,
        first_contact_at=at(2026, 3, 21, 12),
        status=Status.DECLINED,
    )
    step(r3, Status.DECLINED, timedelta(days=2))
    # 23:30 on 31 March in Chicago is 04:30 on 1 April in UTC: still March for the program.
    r4 = refer(officer_b, at(2026, 4, 1, 4, 30), completion_seconds=420, status=Status.UNABLE_TO_CONTACT)
    step(r4, Status.UNABLE_TO_CONTACT, timedelta(days=10))
    refer(officer_a, at(2026, 4, 1, 6), completion_seconds=100)  # 01:00 on 1 April in Chicago
    ReferralFactory(program=world.other_program, created_at=at(2026, 3, 15, 12))
    return Period.month(2026, 3, program.time_zone)


@time_machine.travel(NOW, tick=False)
def test_every_count_of_march_matches_the_hand_count(world, march):
    (row,) = metrics.counts(program=world.program, start=march.start, end=march.end)
    assert row == {
        "referrals": 4,
        "contacted": 3,  # r1, r2, r3 (r4 never reached)
        "quality": 1,  # r1 only: r2 engaged after 40 days
        "retained_30": 1,
        "retained_90": 1,
        "declined": 1,
        "unable_to_contact": 1,
        "re_referrals": 1,  # r3: the same person as r1
        "acknowledged": 1,  # r1 in 10 minutes; r2 took 45
        "completion_seconds": 300 + 600 + 240 + 420,
    }


@time_machine.travel(NOW, tick=False)
def test_counts_split_by_officer_and_local_month(world, march):
    rows = metrics.counts(
        program=world.program,
        start=march.start,
        end=march.next().end,
        by=("officer_id",),
        monthly=True,
        measures=(metrics.REFERRALS, metrics.QUALITY),
    )
    found = {(row["officer_id"], row["month"]): (row["referrals"], row["quality"]) for row in rows}
    assert found == {
        (world.officer.pk, date(2026, 3, 1)): (2, 1),
        (world.other_officer.pk, date(2026, 3, 1)): (2, 0),
        (world.officer.pk, date(2026, 4, 1)): (1, 0),
    }


@time_machine.travel(NOW, tick=False)
def test_people_and_medians(world, march):
    figures = metrics.timings(program=world.program, start=march.start, end=march.end)[()]
    assert figures.referrals == 4
    assert figures.participants == 3  # r1 and r3 are one person
    assert figures.contacted == 3 and figures.engaged == 1
    assert figures.median_contact_hours == pytest.approx(24)  # 5 h, 48 h, 24 h
    assert figures.median_treatment_days == pytest.approx(3)
    assert figures.median_completion_minutes == pytest.approx(6)  # 240, 300, 420, 600 s
    saved = metrics.officer_hours_saved(
        referrals=figures.referrals, completion_seconds=figures.completion_seconds, booking_baseline_minutes=90
    )
    assert saved == pytest.approx((4 * 90 * 60 - 1560) / 3600)


@time_machine.travel(NOW, tick=False)
def test_people_referred_to_treatment_and_to_recovery_support(world, march):
    from referrals.models import ServiceKind
    from referrals.tests.factories import ProviderServiceFactory

    support = ProviderServiceFactory(agency=world.provider, kind=ServiceKind.RECOVERY_SUPPORT)
    ReferralFactory(program=world.program, created_at=at(2026, 3, 3, 12), service=support, provider=world.provider)
    treatment = metrics.unique_people_by_service(
        program=world.program,
        start=march.start,
        end=march.end,
        service_kinds=metrics.TREATMENT_SERVICE_KINDS,
        provider_kinds=["treatment"],
    )
    recovery = metrics.unique_people_by_service(
        program=world.program,
        start=march.start,
        end=march.end,
        service_kinds=[ServiceKind.RECOVERY_SUPPORT],
        provider_kinds=["community"],
    )
    # r1-r4 name no service and went to a treatment provider (three people); one went to recovery support.
    assert (treatment, recovery) == (3, 1)


def test_an_outcome_is_final_once_its_window_has_closed(world):
    march = Period.month(2026, 3, "America/Chicago")
    assert not metrics.is_final(metrics.QUALITY, march.end, march.end + timedelta(days=29))
    assert metrics.is_final(metrics.QUALITY, march.end, march.end + timedelta(days=30))
    assert not metrics.is_final(metrics.RETAINED_90, march.end, march.end + timedelta(days=179))
    assert metrics.is_final(metrics.REFERRALS, march.end, march.end)
