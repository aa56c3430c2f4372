"""The data migration that gives every open referral made before assignment existed a case manager."""

import importlib

from django.apps import apps

from deflection.models import Role
from deflection.tests.factories import MembershipFactory, UserFactory
from referrals.models import Referral, Status
from referrals.tests.factories import ReferralFactory

migration = importlib.import_module("referrals.migrations.0012_assign_open_referrals")


def test_open_unassigned_referrals_are_dealt_in_turn_and_others_left_alone(world):
    second = UserFactory(username="second", first_name="Second", last_name="Manager")
    MembershipFactory(user=second, agency=world.provider, role=Role.CASE_MANAGER, badge_number="")
    base = dict(program=world.program, officer=world.officer, agency=world.police, provider=world.provider)
    open_ = [ReferralFactory(**base) for _ in range(4)]
    kept = ReferralFactory(**base, assigned_to=second)
    closed = ReferralFactory(**base, status=Status.CLOSED)

    migration.assign_open_referrals(apps, None)

    team = sorted([world.case_manager.pk, second.pk])
    assert [Referral.objects.get(pk=r.pk).assigned_to_id for r in open_] == [team[0], team[1], team[0], team[1]]
    assert Referral.objects.get(pk=kept.pk).assigned_to == second
    assert Referral.objects.get(pk=closed.pk).assigned_to is None
