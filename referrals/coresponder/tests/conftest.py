"""Co-responder fixtures: the referrals world (checklist, directory) with the program running co-responders."""

import pytest

from deflection.models import ProgramType
from referrals.tests.conftest import rworld  # noqa: F401  (fixture)


@pytest.fixture
def cworld(rworld):  # noqa: F811
    rworld.program.program_types = [ProgramType.CO_RESPONDER]
    rworld.program.save(update_fields=["program_types"])
    return rworld
