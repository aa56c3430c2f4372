"""factory_boy factories for referrals."""

import datetime
import uuid

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from deflection.models import Pathway
from deflection.tests.factories import AgencyFactory, ProgramFactory, UserFactory
from referrals.matching import match_keys
from referrals.models import (
    CapacityState,
    Consent,
    CriterionKind,
    DisclosureLevel,
    EligibilityCriterion,
    Handoff,
    Participant,
    ParticipantMatchKey,
    ProviderService,
    Referral,
    ServiceKind,
    Status,
)


class ProviderServiceFactory(DjangoModelFactory):
    class Meta:
        model = ProviderService

    agency = factory.SubFactory(AgencyFactory, kind="treatment")
    kind = ServiceKind.DETOX
    name = factory.Sequence(lambda n: f"Service {n}")
    hours = "24/7"
    address = "1 Main St"
    phone = "(555) 000-0000"
    serves = "Adults"
    accepts_warm_handoffs = True
    capacity_state = CapacityState.OPEN
    open_slots = 3
    capacity_updated_at = factory.LazyFunction(timezone.now)


class CriterionFactory(DjangoModelFactory):
    class Meta:
        model = EligibilityCriterion

    program = factory.SubFactory(ProgramFactory)
    question = factory.Sequence(lambda n: f"Question {n}?")
    kind = CriterionKind.HARD
    required_answer = True


class ParticipantFactory(DjangoModelFactory):
    class Meta:
        model = Participant
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = datetime.date(1990, 5, 17)
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def keys(obj, create, extracted, **kwargs):
        if create and not obj.is_pseudonymous:
            ParticipantMatchKey.objects.bulk_create(
                ParticipantMatchKey(participant=obj, kind=k, digest=d)
                for k, d in match_keys(obj.first_name, obj.last_name, obj.date_of_birth)
            )


class ReferralFactory(DjangoModelFactory):
    class Meta:
        model = Referral

    program = factory.SubFactory(ProgramFactory)
    participant = factory.SubFactory(ParticipantFactory, program=factory.SelfAttribute("..program"))
    officer = factory.SubFactory(UserFactory)
    agency = factory.SelfAttribute("program.lead_agency")
    provider = factory.SubFactory(AgencyFactory, kind="treatment")
    pathway = Pathway.OFFICER_REFERRAL
    handoff = Handoff.FOLLOW_UP
    idempotency_key = factory.LazyFunction(uuid.uuid4)
    created_at = factory.LazyFunction(timezone.now)
    form_opened_at = factory.LazyAttribute(lambda r: r.created_at - datetime.timedelta(minutes=5))
    completion_seconds = 300
    status = Status.RECEIVED


class ConsentFactory(DjangoModelFactory):
    class Meta:
        model = Consent

    participant = factory.SubFactory(ParticipantFactory)
    disclosing_agency = factory.SubFactory(AgencyFactory, kind="treatment")
    information_description = "Whether I engaged in treatment."
    level = DisclosureLevel.STATUS
    purpose = "Feedback to the referring officer."
    revocation_terms = "Tell my case manager."
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=365))
    signature_name = "Signed"
    signature_ticked = True
    signed_on = factory.LazyFunction(timezone.localdate)
    witnessed_by = factory.SubFactory(UserFactory)
