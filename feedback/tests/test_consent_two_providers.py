"""The consent matrix's two-provider case for free text (SECURITY.md 27).

The person has an episode at Harbor Light (provider A) and one at Second Chance
(provider B). A consent recorded by Second Chance naming Riverside PD must disclose
neither Harbor Light's referral status nor a Harbor Light case manager's message.
"""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from deflection.models import AgencyKind, AuditEvent, Role
from deflection.tests.factories import AgencyFactory, MembershipFactory, UserFactory
from feedback.models import CaseManagerMessage
from feedback.tests.factories import CaseManagerMessageFactory
from referrals.disclosure import NO_CONSENT_WARNING
from referrals.models import DisclosureLevel, Status, StatusChange
from referrals.tests.factories import ConsentFactory, ReferralFactory

MESSAGE_A = "He has stayed with the MOUD clinic for 60 days."


@pytest.fixture
def two_providers(world, referral):
    """`referral` is Harbor Light's (engaged); Second Chance holds a second episode and records the consent."""
    second = AgencyFactory(name="Second Chance", kind=AgencyKind.TREATMENT)
    world.program.partners.add(second)
    peer = UserFactory(username="peer", first_name="Araminta", last_name="Goldthwaite")
    MembershipFactory(user=peer, agency=second, role=Role.CASE_MANAGER, badge_number="")
    referral.status, referral.engaged_at = Status.ENGAGED, timezone.now()
    referral.save(update_fields=["status", "engaged_at"])
    at_b = ReferralFactory(
        program=world.program,
        participant=referral.participant,
        officer=world.officer,
        agency=world.police,
        provider=second,
        status=Status.CONTACTED,
    )
    StatusChange.objects.create(referral=referral, status=Status.ENGAGED, by=world.case_manager)
    StatusChange.objects.create(referral=at_b, status=Status.CONTACTED, by=peer)
    consent_b = ConsentFactory(
        participant=referral.participant,
        disclosing_agency=second,
        witnessed_by=peer,
        recipient_agency=world.police,
        level=DisclosureLevel.STATUS_AND_SERVICE,
    )
    # A message Harbor Light sent earlier, under a Harbor Light consent since revoked.
    consent_a = ConsentFactory(
        participant=referral.participant,
        disclosing_agency=world.provider,
        witnessed_by=world.case_manager,
        recipient_officer=world.officer,
        revoked_at=timezone.now(),
    )
    message = CaseManagerMessageFactory(referral=referral, sender=world.case_manager, consent=consent_a, text=MESSAGE_A)
    return at_b, consent_b, message


def test_provider_bs_consent_shows_neither_provider_as_status_nor_its_message(client, world, referral, two_providers):
    at_b, consent_b, message = two_providers
    client.force_login(world.officer)
    feed = client.get(reverse("feedback:feed")).content.decode()
    assert MESSAGE_A not in feed
    assert "Engaged in treatment" not in feed  # Harbor Light's status
    assert "The case manager has talked with the person" in feed  # Second Chance's own episode
    assert client.get(reverse("feedback:message", args=[message.pk])).status_code == 404
    disclosed = set(AuditEvent.objects.filter(action="disclosure").values_list("detail__referral", flat=True))
    assert disclosed == {at_b.pk}
    assert set(AuditEvent.objects.filter(action="disclosure").values_list("detail__consent", flat=True)) == {consent_b.pk}


def test_provider_a_cannot_send_a_message_under_provider_bs_consent(client, world, referral, two_providers):
    client.force_login(world.case_manager)
    page = client.get(reverse("feedback:message_new", args=[referral.pk])).content.decode()
    assert escape(NO_CONSENT_WARNING) in page
    response = client.post(
        reverse("feedback:message_new", args=[referral.pk]), {"text": "Doing well.", "idempotency_key": str(uuid.uuid4())}
    )
    assert response.status_code == 403
    assert CaseManagerMessage.objects.count() == 1  # only the earlier one


def test_the_feed_is_never_cached(client, world, referral):
    client.force_login(world.officer)
    assert "no-store" in client.get(reverse("feedback:feed"))["Cache-Control"]
