"""seed_scale's logic on a tiny size: bulk-loaded, consistent, idempotent, in its own program."""

from django.core.management import call_command
from django.db.models import F

from bench.scale import PROGRAM_NAME, ScaleSize, scale_program, seed_scale
from deflection.models import Membership, Role
from referrals.models import Referral, Status, StatusChange


def test_a_tiny_scale_program_is_consistent_and_built_once(db):
    program = seed_scale(size=ScaleSize(referrals=600, officers=12, staff=5, years=2, units=4))
    assert program.name == PROGRAM_NAME
    referrals = Referral.objects.filter(program=program)
    assert referrals.count() == 600
    assert referrals.values("participant_id").distinct().count() == 420  # 70% first referrals, the rest again
    assert Membership.objects.filter(agency_id__in=program.agency_ids(), role=Role.OFFICER).count() == 12
    # Outcome times follow one another; retention follows engagement.
    assert not referrals.filter(first_contact_at__lt=F("created_at")).exists()
    assert not referrals.filter(engaged_at__lt=F("first_contact_at")).exists()
    assert referrals.filter(engaged_at__isnull=False).exists()
    retained = StatusChange.objects.filter(referral__program=program, status="retained_30")
    assert retained.exists() and not retained.filter(referral__engaged_at__isnull=True).exists()
    # Its officers and referrals never touch another program.
    assert not Referral.objects.exclude(program=program).exists()
    # Running it again reuses it.
    call_command(
        "seed_scale", "--referrals", "50", "--officers", "3", "--staff", "0", "--years", "1", stdout=open("/dev/null", "w")
    )
    assert scale_program().pk == program.pk and Referral.objects.count() == 600


def test_the_sql_seeder_writes_what_the_status_state_machine_would(db):
    """Replay each seeded referral's steps through Referral.move_to: same status, same derived times."""
    program = seed_scale(size=ScaleSize(referrals=400, officers=6, staff=2, years=1, units=2))
    history: dict[int, list[tuple]] = {}
    for referral_id, status, at in StatusChange.objects.filter(referral__program=program).values_list(
        "referral_id", "status", "at"
    ):
        history.setdefault(referral_id, []).append((at, status))
    moved = 0
    for seeded in Referral.objects.filter(program=program):
        # The steps the seeder implies: first contact, engagement, then the history rows it wrote.
        steps = list(history.get(seeded.pk, []))
        if seeded.first_contact_at is not None:
            steps.append((seeded.first_contact_at, Status.CONTACTED))
        if seeded.engaged_at is not None:
            steps.append((seeded.engaged_at, Status.ENGAGED))
        replay = Referral(status=Status.RECEIVED, status_changed_at=seeded.created_at, created_at=seeded.created_at)
        for at, status in sorted(steps):
            replay.move_to(status, at=at, by=None, service_kind=seeded.engaged_service_kind if status == Status.ENGAGED else "")
            moved += 1
        assert (replay.status, replay.status_changed_at) == (seeded.status, seeded.status_changed_at), seeded.pk
        assert (replay.first_contact_at, replay.engaged_at) == (seeded.first_contact_at, seeded.engaged_at), seeded.pk
        if steps:  # a status step acknowledges: the seeded acknowledgement is never later than it
            assert seeded.acknowledged_at is not None and seeded.acknowledged_at <= replay.acknowledged_at, seeded.pk
    assert moved > 400
