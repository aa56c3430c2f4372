"""Break-glass: reason, time limit, audit, coordinator email, review list (SECURITY.md 25)."""

import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent, Role
from deflection.tests.factories import AgencyFactory, MembershipFactory, UserFactory
from referrals import breakglass
from referrals.models import BreakGlassGrant
from referrals.tests.factories import ParticipantFactory, ReferralFactory

REASON = "Person is in the ER now and staff asked for the treatment contact."


def _outside_participant(world):
    """A participant of the program whose referrals went to another provider: outside the case manager's scope."""
    other_provider = AgencyFactory(name="Second Chance", kind="community")
    world.program.partners.add(other_provider)
    participant = ParticipantFactory(program=world.program, created_by=world.officer)
    ReferralFactory(program=world.program, participant=participant, officer=world.officer, provider=other_provider)
    return participant


def test_out_of_scope_participant_is_404_until_a_reason_is_given(client, world, django_capture_on_commit_callbacks):
    participant = _outside_participant(world)
    client.force_login(world.case_manager)
    assert client.get(reverse("referrals:participant", args=[participant.pk])).status_code == 404

    url = reverse("referrals:break_glass", args=[participant.pk])
    assert client.post(url, {"reason": "need it"}).status_code == 400  # too short to be a reason
    assert not BreakGlassGrant.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": REASON})
    assert response.status_code == 302
    assert client.get(reverse("referrals:participant", args=[participant.pk])).status_code == 200

    actions = list(
        AuditEvent.objects.filter(object_id=str(participant.pk), action__startswith="breakglass.").values_list(
            "action", flat=True
        )
    )
    assert actions == ["breakglass.open", "breakglass.view"]
    assert BreakGlassGrant.objects.get().reason == REASON


def test_break_glass_access_ends_after_an_hour(client, world):
    participant = _outside_participant(world)
    client.force_login(world.case_manager)
    client.post(reverse("referrals:break_glass", args=[participant.pk]), {"reason": REASON})
    with time_machine.travel(timezone.now() + BreakGlassGrant.DURATION + timezone.timedelta(seconds=1)):
        client.force_login(world.case_manager)  # the idle session itself ended after 30 minutes
        assert client.get(reverse("referrals:participant", args=[participant.pk])).status_code == 404


def test_officers_and_other_programs_cannot_break_glass(client, world):
    participant = _outside_participant(world)
    for user in (world.officer, world.outsider):
        client.force_login(user)
        response = client.post(reverse("referrals:break_glass", args=[participant.pk]), {"reason": REASON})
        assert response.status_code == 404
    assert not BreakGlassGrant.objects.exists()


def test_coordinator_gets_one_link_only_email_and_sees_the_grant_for_review(client, world):
    participant = _outside_participant(world)
    client.force_login(world.case_manager)
    client.post(reverse("referrals:break_glass", args=[participant.pk]), {"reason": REASON})
    grant = BreakGlassGrant.objects.get()
    assert breakglass.break_glass_notice_email(grant_id=grant.pk) is True
    assert breakglass.break_glass_notice_email(grant_id=grant.pk) is False  # a second delivery sends nothing
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [world.coordinator.email]
    assert reverse("referrals:break_glass_review") in email.body
    for private in (participant.first_name, participant.last_name, REASON, world.case_manager.last_name):
        assert private not in email.body and private not in email.subject

    client.force_login(world.coordinator)
    page = client.get(reverse("referrals:break_glass_review")).content.decode()
    assert REASON in page and "casemanager" in page and f"P-{participant.pk}" in page
    client.force_login(world.case_manager)
    assert client.get(reverse("referrals:break_glass_review")).status_code == 404


def test_a_second_coordinator_program_member_is_emailed_too(world):
    second = UserFactory(username="coord2")
    MembershipFactory(user=second, agency=world.sheriff, role=Role.COORDINATOR)
    participant = _outside_participant(world)
    grant = breakglass.break_glass_open(user=world.case_manager, participant=participant, reason=REASON)
    breakglass.break_glass_notice_email(grant_id=grant.pk)
    assert sorted(mail.outbox[0].to) == sorted([world.coordinator.email, second.email])
