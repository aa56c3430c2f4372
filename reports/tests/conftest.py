"""Report fixtures on top of the shared `world`: referrals with known outcomes, time frozen in June 2026."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache.backends.base import DEFAULT_TIMEOUT

from deflection.cache import ResilientRedisCache
from deflection.models import Pathway, Role
from deflection.tests.factories import MembershipFactory, UnitFactory, UserFactory
from referrals.models import Handoff, Participant, Referral, Status, StatusChange

# Mid-June 2026: March's 30-day outcomes are final, June's are not.
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
MARCH = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
FEBRUARY = datetime(2026, 2, 10, 15, 0, tzinfo=UTC)

# Participants' names that must never appear on a report.
PARTICIPANT_NAMES = ("Zebulon", "Quintessa")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def make_referrals(world, officer, agency, count, quality, when, *, retained=0, participant_names=False):
    """`count` referrals by `officer` at `when`, of which `quality` engaged within 30 days (bulk-created)."""
    first, last = PARTICIPANT_NAMES if participant_names else ("Pat", "Doe")
    participants = Participant.objects.bulk_create(
        [Participant(program=world.program, first_name=first, last_name=last, created_by=officer) for _ in range(count)]
    )
    made = []
    for n, participant in enumerate(participants):
        created = when + timedelta(hours=n)
        made.append(
            Referral(
                program=world.program,
                participant=participant,
                officer=officer,
                agency=agency,
                provider=world.provider,
                pathway=Pathway.OFFICER_REFERRAL,
                handoff=Handoff.FOLLOW_UP,
                idempotency_key=uuid.uuid4(),
                form_opened_at=created - timedelta(minutes=5),
                created_at=created,
                completion_seconds=300,
                acknowledged_at=created + timedelta(minutes=10),
                first_contact_at=created + timedelta(hours=5),
                engaged_at=created + timedelta(days=3) if n < quality else None,
                status=Status.ENGAGED if n < quality else Status.CONTACTED,
            )
        )
    Referral.objects.bulk_create(made)
    StatusChange.objects.bulk_create(
        StatusChange(referral=r, status=Status.RETAINED_30, at=r.created_at + timedelta(days=35), by=world.case_manager)
        for r in made[:retained]
    )
    return made


@pytest.fixture
def reports_world(world, frozen):
    """March 2026: Riverside's officer 30 referrals (15 quality), officer2 4 (3), the deputy 20 (12).

    officer2's 3 is a small count; "4 referred, 3 engaged" must never be published.
    """
    make_referrals(world, world.officer, world.police, 30, 15, MARCH, retained=12, participant_names=True)
    make_referrals(world, world.other_officer, world.police, 4, 3, MARCH)
    make_referrals(world, world.deputy, world.sheriff, 20, 12, MARCH)
    make_referrals(world, world.officer, world.police, 25, 13, FEBRUARY)
    return world


def add_officers(world, count, referrals_each=2, quality_each=1):
    """More officers in a new unit, each with a few March referrals (for query-count tests)."""
    unit = UnitFactory(agency=world.police)
    for n in range(count):
        user = UserFactory(username=f"extra{n}-{unit.pk}")
        MembershipFactory(user=user, agency=world.police, role=Role.OFFICER, unit=unit)
        make_referrals(world, user, world.police, referrals_each, quality_each, MARCH + timedelta(days=1))


class RecordingRedisCache(ResilientRedisCache):
    """The project's Redis cache, unchanged, except that it notes the keys read and written.

    Publishing always stores what it worked out, so "a view wrote nothing" proves that it published
    nothing: caching is shown by the cache's own traffic, not by replacing code under test."""

    reads: list[str] = []
    writes: list[str] = []

    def get(self, key, default=None, version=None):
        RecordingRedisCache.reads.append(key)
        return super().get(key, default, version)

    def get_many(self, keys, version=None):
        RecordingRedisCache.reads.extend(keys)
        return super().get_many(keys, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        RecordingRedisCache.writes.append(key)
        return super().set(key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        RecordingRedisCache.writes.append(key)
        return super().add(key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        RecordingRedisCache.writes.extend(data)
        return super().set_many(data, timeout, version)


@dataclass
class CacheTraffic:
    reads: list[str]
    writes: list[str]

    def forget(self) -> None:
        self.reads.clear()
        self.writes.clear()

    def written(self, prefix: str = "reports:") -> list[str]:
        return [key for key in self.writes if key.startswith(prefix)]

    @property
    def engine_runs(self) -> list[str]:
        """Every run of the linked engine (reports.publication) is stored under this prefix by reports.outcomes."""
        return self.written("reports:publish:")


@pytest.fixture
def cache_traffic(settings):
    """The real Redis cache, recording which keys are read and written from here on (`forget()` restarts)."""
    caches = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "BACKEND": "reports.tests.conftest.RecordingRedisCache"},
    }
    RecordingRedisCache.reads, RecordingRedisCache.writes = [], []
    settings.CACHES = caches  # pytest-django restores the real backend after the test
    return CacheTraffic(RecordingRedisCache.reads, RecordingRedisCache.writes)
