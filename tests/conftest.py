"""A program with one of everything, so the site walk reaches pages behind real ids."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.tests.factories import (
    CaseManagerMessageFactory,
    HighlightFactory,
    ParticipantLetterFactory,
    SuggestionFactory,
    SurveyFactory,
)
from referrals.models import FollowUpTask
from referrals.tests.factories import (
    ConsentFactory,
    CriterionFactory,
    ParticipantFactory,
    ProviderServiceFactory,
    ReferralFactory,
)
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
    return world
