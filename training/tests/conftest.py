"""Fixtures for training tests: a course of the shared `world` program and a session in progress."""

from datetime import timedelta

import pytest
from django.utils import timezone

from training.tests.factories import CourseFactory, SessionFactory


@pytest.fixture
def course(world):
    return CourseFactory(program=world.program, title="Naloxone administration", refresher_months=12)


@pytest.fixture
def session_now(course, world):
    """A session that started ten minutes ago and runs for another fifty, hosted by the sergeant."""
    starts_at = timezone.now() - timedelta(minutes=10)
    return SessionFactory(course=course, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), host=world.supervisor)
