"""Ownership (issue 12): every new referral has a case manager, by round robin or on-call rota; reassigning is
one audited action."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from deflection.audit import AuditContext
from deflection.errors import ServiceError
from deflection.models import AssignmentMethod, AuditEvent, Role
from deflection.tests.factories import MembershipFactory, UserFactory
from referrals.assignment import referral_reassign
from referrals.clocks.models import OnCallShift
from referrals.models import Referral
from referrals.tests.conftest import referral_post

URL = reverse("referrals:new")


@pytest.fixture
def team(rworld):
    """Harbor Light has three case managers: the world's, plus two more."""
    rworld.cm2 = UserFactory(username="cm2", first_name="Wilhelmina", last_name="Sparrowhawk")
    rworld.cm3 = UserFactory(username="cm3", first_name="Barnaby", last_name="Nettlebed")
    for user in (rworld.cm2, rworld.cm3):
        MembershipFactory(user=user, agency=rworld.provider, role=Role.CASE_MANAGER, badge_number="")
    return rworld


def _send(client, world, n):
    client.force_login(world.officer)
    for i in range(n):
        client.post(URL, referral_post(world, first_name=f"Person{i}", send_as_new="1"))
    return list(Referral.objects.order_by("pk").values_list("assigned_to_id", flat=True))


def test_round_robin_deals_new_referrals_in_turn(client, team):
    order = sorted([team.case_manager.pk, team.cm2.pk, team.cm3.pk])
    assert _send(client, team, 4) == [*order, order[0]]


def test_on_call_takes_every_new_referral_while_on_call(client, team):
    team.program.assignment = AssignmentMethod.ON_CALL
    team.program.save(update_fields=["assignment"])
    now = timezone.now()
    OnCallShift.objects.create(
        agency=team.provider,
        case_manager=team.cm3,
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=1),
        created_by=team.coordinator,
    )
    assert _send(client, team, 2) == [team.cm3.pk, team.cm3.pk]


def test_on_call_with_nobody_on_call_falls_back_to_round_robin(client, team):
    team.program.assignment = AssignmentMethod.ON_CALL
    team.program.save(update_fields=["assignment"])
    assert _send(client, team, 1) == [min(team.case_manager.pk, team.cm2.pk, team.cm3.pk)]


def test_reassigning_is_one_audited_action(client, team):
    _send(client, team, 1)
    referral = Referral.objects.get()
    client.force_login(team.case_manager)
    response = client.post(reverse("referrals:reassign", args=[referral.pk]), {"assigned_to": str(team.cm2.pk)})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.assigned_to == team.cm2
    event = AuditEvent.objects.get(action="referral.reassign")
    assert event.actor == team.case_manager and event.detail["to"] == team.cm2.pk


def test_reassigning_to_someone_outside_the_provider_is_refused_with_a_message(client, team):
    _send(client, team, 1)
    referral = Referral.objects.get()
    client.force_login(team.case_manager)
    for value, status in ((str(team.officer.pk), 422), ("nobody", 400), ("²", 400)):
        response = client.post(reverse("referrals:reassign", args=[referral.pk]), {"assigned_to": value})
        assert response.status_code == status
        assert b"case manager" in response.content
    with pytest.raises(ServiceError):
        referral_reassign(referral=referral, to=team.officer, audit=AuditContext())


def test_an_officer_cannot_reassign(client, team):
    _send(client, team, 1)
    referral = Referral.objects.get()
    response = client.post(reverse("referrals:reassign", args=[referral.pk]), {"assigned_to": str(team.cm2.pk)})
    assert response.status_code == 404
