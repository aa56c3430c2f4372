"""factory_boy factories for program-wide models."""

import factory
from factory.django import DjangoModelFactory

from deflection.models import Agency, AgencyKind, Membership, Pathway, Program, Role, Unit, User

TEST_PASSWORD = "Correct-Horse-2026"


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = AgencyKind.POLICE


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Unit {n}")


class ProgramFactory(DjangoModelFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Program {n}")
    lead_agency = factory.SubFactory(AgencyFactory)
    pathways = factory.LazyFunction(lambda: [Pathway.OFFICER_REFERRAL, Pathway.NALOXONE_PLUS, Pathway.SELF_REFERRAL])
    goals = "Connect people to treatment instead of arrest."
    purpose = "Arrest alone has not worked."
    time_zone = "America/Chicago"
    booking_baseline_minutes = 90


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Role.OFFICER
    badge_number = factory.Sequence(lambda n: f"B{n:04d}")
