"""factory_boy factories for program-wide models."""

import factory
from factory.django import DjangoModelFactory
from faker import Faker

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


FAKE = Faker("en_US")  # shares the random generator factory_boy seeds


def _long_name(kind: str) -> str:
    while len(name := getattr(FAKE, kind)()) < 7:
        pass
    return name


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    # Tests check that emails and PDFs never show a person's name; a short one ("Ann", "Tran") could
    # turn up inside an ordinary word, so people get names of seven letters or more.
    first_name = factory.LazyFunction(lambda: _long_name("first_name"))
    last_name = factory.LazyFunction(lambda: _long_name("last_name"))
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
