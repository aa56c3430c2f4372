"""Warm hand-offs (issue 12): only providers that take them, with phone and capacity; a full or non-warm
provider is refused on the server with a clear 4xx that names alternatives; the confirmation names the number."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from deflection.errors import ServiceError
from referrals import services
from referrals.models import CapacityState, Referral
from referrals.tests.conftest import referral_post
from referrals.tests.factories import ProviderServiceFactory

URL = reverse("referrals:new")


@pytest.fixture
def officer_client(client, rworld):
    client.force_login(rworld.officer)
    return client


@pytest.fixture
def directory(rworld):
    """Detox (3 open) and MOUD (call to check) take warm hand-offs; Full House is full; Walk-in Clinic does not take them."""
    rworld.full = ProviderServiceFactory(
        agency=rworld.provider, name="Full House", phone="(555) 222-0000", capacity_state=CapacityState.FULL, open_slots=None
    )
    rworld.no_warm = ProviderServiceFactory(agency=rworld.provider, name="Walk-in Clinic", accepts_warm_handoffs=False)
    return rworld


def test_a_full_provider_is_refused_with_a_409_naming_alternatives(officer_client, directory):
    response = officer_client.post(URL, referral_post(directory, service=str(directory.full.pk)))
    assert response.status_code == 409
    body = response.content.decode()
    assert "Full House is full right now." in body
    assert "Harbor Detox, (555) 000-0000" in body  # the alternative with room comes first, with its phone
    assert not Referral.objects.exists()


def test_a_provider_that_does_not_take_warm_handoffs_is_refused(officer_client, directory):
    response = officer_client.post(URL, referral_post(directory, service=str(directory.no_warm.pk)))
    assert response.status_code == 409
    assert "Walk-in Clinic does not take warm hand-offs." in response.content.decode()
    assert not Referral.objects.exists()


def test_the_same_providers_are_fine_for_another_handoff(officer_client, directory):
    response = officer_client.post(URL, referral_post(directory, handoff="transport", service=str(directory.full.pk)))
    assert response.status_code == 302


def test_the_service_refuses_it_whoever_calls_it(directory):
    data = services.ReferralData(**_data(directory), service=directory.full)
    with pytest.raises(ServiceError) as refused:
        services.referral_submit(officer=directory.officer, program=directory.program, data=data)
    assert refused.value.status == 409 and refused.value.code == services.WARM_HANDOFF_UNAVAILABLE
    assert directory.detox in refused.value.detail and directory.full not in refused.value.detail


def test_no_provider_with_room_says_what_to_do_instead(officer_client, directory):
    for service in (directory.detox, directory.moud):
        service.capacity_state, service.open_slots = CapacityState.FULL, None
        service.save(update_fields=["capacity_state", "open_slots"])
    response = officer_client.post(URL, referral_post(directory, service=str(directory.full.pk)))
    assert response.status_code == 409
    assert "choose case manager follow-up" in response.content.decode()


def test_the_form_lists_warm_providers_with_phone_and_capacity_and_marks_the_full_one(officer_client, directory):
    body = officer_client.get(URL).content.decode()
    box = body[body.index("data-warm-providers") : body.index("</ul>", body.index("data-warm-providers"))]
    assert "Harbor Detox · 3 open ·" in box and 'href="tel:(555) 000-0000"' in box
    assert "Full</span> Full House" in box
    assert "Walk-in Clinic" not in box
    # the select carries the same facts, so the script can offer only the warm providers with room
    assert f'value="{directory.full.pk}" data-warm="1" data-full="1"' in body
    assert f'value="{directory.no_warm.pk}" data-warm="0" data-full="0"' in body


def test_the_confirmation_names_the_number_to_call(officer_client, directory):
    officer_client.post(URL, referral_post(directory))
    referral = Referral.objects.get()
    body = officer_client.get(reverse("referrals:done", args=[referral.pk])).content.decode()
    assert "Call Harbor Detox at (555) 000-0000" in body
    assert "number below" not in body


def test_a_warm_referral_without_a_number_never_asks_to_call_a_number(directory):
    referral = Referral(handoff="warm_handoff", service=ProviderServiceFactory(agency=directory.provider, phone=""))
    assert "Call" not in referral.handoff_steps()[0]


def _data(world):
    return dict(
        pathway="officer_referral",
        handoff="warm_handoff",
        idempotency_key=uuid.uuid4(),
        form_opened_at=timezone.now() - datetime.timedelta(minutes=3),
        eligibility_answers={world.adult.pk: True, world.warrant.pk: False},
        first_name="Jamie",
        last_name="Rivera",
        date_of_birth=datetime.date(1988, 3, 14),
    )
