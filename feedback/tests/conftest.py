"""Fixtures for feedback tests: crowds of colleagues, so surveys can pass the suppression threshold."""

import pytest

from deflection.models import Role
from deflection.tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def crowd():
    """`crowd(agency, role, n)`: n new active members of `agency` with `role`, as (user, membership) pairs."""

    def make(agency, role=Role.OFFICER, n=11, prefix=None):
        people = []
        for i in range(n):
            user = UserFactory(username=f"{prefix or agency.name.split()[0].lower()}-{role}-{i}")
            people.append((user, MembershipFactory(user=user, agency=agency, role=role)))
        return people

    return make
