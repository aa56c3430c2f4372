"""seed_scale's logic on a tiny size: bulk-loaded, consistent, idempotent, in its own program."""

from django.core.management import call_command
from django.db.models import F

from bench.scale import PROGRAM_NAME, ScaleSize, scale_program, seed_scale
from deflection.models import Membership, Role
from referrals.models import Referral, StatusChange


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
