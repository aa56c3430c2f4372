"""factory_boy factories for training: courses, sessions, attendance."""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from deflection.models import Role
from deflection.tests.factories import ProgramFactory, UserFactory
from training.models import Attendance, AttendanceMethod, Course, InstructorKind, Session


class CourseFactory(DjangoModelFactory):
    class Meta:
        model = Course

    program = factory.SubFactory(ProgramFactory)
    title = factory.Sequence(lambda n: f"Course {n}")
    description = "What the course covers."
    objectives = "Understand one thing\nDo another"
    duration_minutes = 60
    required_roles = factory.LazyFunction(lambda: [Role.OFFICER, Role.DISPATCHER, Role.SUPERVISOR, Role.COMMAND])
    refresher_months = 12
    is_core = False


class SessionFactory(DjangoModelFactory):
    class Meta:
        model = Session

    course = factory.SubFactory(CourseFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(minutes=s.course.duration_minutes))
    location = "Training Room, 200 Main St"
    capacity = 25
    instructor_kind = InstructorKind.STAFF
    host = factory.SubFactory(UserFactory)


class AttendanceFactory(DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(SessionFactory)
    user = factory.SubFactory(UserFactory)
    method = AttendanceMethod.ROSTER
    recorded_by = factory.LazyAttribute(lambda a: a.session.host)
