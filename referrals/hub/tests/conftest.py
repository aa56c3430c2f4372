"""A HUB table on top of the shared `world`: the program runs HUB; police, sheriff and provider sit at it.

The provider (`case_manager`) presents; the police (`supervisor`, and the coordinator who chairs)
assist; the sheriff (`deputy`) is a member the table does not assign, so it never sees who it is.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from deflection.audit import AuditContext
from deflection.models import ProgramType
from referrals.hub import services
from referrals.hub.models import AgeGroup, RiskFactor

IDENTITY = {"first_name": "Evangeline", "last_name": "Marchbanks", "address": "14 Quarry Lane"}


@pytest.fixture
def hub(world):
    program = world.program
    program.program_types = [ProgramType.HUB]
    program.save(update_fields=["program_types"])
    world.table = services.table_create(
        program=program,
        name="Riverside Situation Table",
        meets="Tuesdays 10:00",
        member_agencies=[world.police, world.sheriff, world.provider],
        audit=AuditContext(actor=world.coordinator),
    )
    world.meeting = services.meeting_schedule(
        table=world.table, starts_at=timezone.now() - timedelta(minutes=30), audit=AuditContext(actor=world.coordinator)
    )
    return world


def present(world, **overrides):
    data = {
        "meeting": world.meeting,
        "presenting_agency": world.provider,
        "risk_factors": [RiskFactor.OVERDOSE, RiskFactor.HOUSING],
        "age_group": AgeGroup.ADULT_25,
        "lead_agency": world.provider,
        "audit": AuditContext(actor=world.case_manager),
    }
    data.update(overrides)
    return services.situation_present(**data)


def decide_acute(world, situation, **overrides):
    data = {
        "situation": situation,
        "acute": True,
        "lead_agency": world.provider,
        "assisting_agencies": [world.police],
        "audit": AuditContext(actor=world.coordinator),
    }
    data.update(overrides)
    return services.situation_decide(**data)
