"""A program with one of everything, so the site walk reaches pages behind real ids."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from deflection.audit import AuditContext
from deflection.models import ProgramType
from feedback.tests.factories import (
    CaseManagerMessageFactory,
    HighlightFactory,
    ParticipantLetterFactory,
    SuggestionFactory,
    SurveyFactory,
)
from referrals.hub import services as hub_services
from referrals.models import FollowUpTask
from referrals.tests.factories import (
    ConsentFactory,
    CriterionFactory,
    ParticipantFactory,
    ProviderServiceFactory,
    ReferralFactory,
)
from referrals.walkin import services as walkin_services
from referrals.walkin.models import WalkInVolunteer
from training.tests.factories import AttendanceFactory, CourseFactory, SessionFactory


@pytest.fixture
def full_world(world):
    program = world.program
    program.case_management_agency = world.provider
    program.save(update_fields=["case_management_agency"])
    CriterionFactory(program=program, question="Is the person 18 or older?")
    ProviderServiceFactory(agency=world.provider)
    participant = ParticipantFactory(program=program, created_by=world.officer)
    referral = ReferralFactory(
        program=program, participant=participant, officer=world.officer, agency=world.police, provider=world.provider
    )
    ReferralFactory(program=program, participant=participant, officer=world.officer, agency=world.police, provider=world.provider)
    consent = ConsentFactory(
        participant=participant,
        disclosing_agency=world.provider,
        recipient_officer=world.officer,
        witnessed_by=world.case_manager,
    )
    FollowUpTask.objects.create(
        referral=referral,
        title="Call back",
        due_at=timezone.now() + timedelta(days=1),
        assigned_to=world.case_manager,
        created_by=world.case_manager,
    )
    course = CourseFactory(program=program)
    session = SessionFactory(course=course, host=world.coordinator)
    AttendanceFactory(session=session, user=world.officer)
    SuggestionFactory(program=program, author=world.officer)
    SurveyFactory(program=program, created_by=world.coordinator)
    HighlightFactory(program=program, created_by=world.coordinator)
    CaseManagerMessageFactory(referral=referral, sender=world.case_manager, consent=consent)
    ParticipantLetterFactory(referral=referral, recorded_by=world.case_manager)
    world.referral = referral
    _hub_table(world)
    _walk_in(world)
    return world


def _hub_table(world):
    """A situation table with an acute situation whose identity is shared, so the walk reaches every HUB page."""
    world.program.program_types = [*world.program.program_types, ProgramType.HUB]
    world.program.save(update_fields=["program_types"])
    audit = AuditContext(actor=world.coordinator)
    table = hub_services.table_create(
        program=world.program, name="Walk Table", member_agencies=[world.police, world.provider], audit=audit
    )
    meeting = hub_services.meeting_schedule(table=table, starts_at=timezone.now(), audit=audit)
    situation = hub_services.situation_present(
        meeting=meeting,
        presenting_agency=world.provider,
        risk_factors=["overdose"],
        age_group="25_39",
        lead_agency=world.provider,
        audit=AuditContext(actor=world.case_manager),
    )
    situation = hub_services.situation_decide(situation=situation, acute=True, assisting_agencies=[world.police], audit=audit)
    hub_services.identity_share(
        situation=situation, first_name="Walk", last_name="Person", audit=AuditContext(actor=world.case_manager)
    )


def _walk_in(world):
    """The program runs walk-in intake: the case manager is on call and one person is waiting, so the walk reaches its pages."""
    world.program.program_types = [*world.program.program_types, ProgramType.WALK_IN]
    world.program.save(update_fields=["program_types"])
    WalkInVolunteer.objects.create(program=world.program, user=world.case_manager, added_by=world.coordinator)
    walkin_services.walkin_start(
        program=world.program,
        by=world.dispatcher,
        data=walkin_services.IntakeData(arrived_at=timezone.now(), need="substance_use", idempotency_key=uuid.uuid4()),
        audit=AuditContext(actor=world.dispatcher),
    )
