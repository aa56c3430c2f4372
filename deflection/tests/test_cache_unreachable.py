"""The cache never fails a request: an unreachable Redis is a miss, a no-op, and one quiet warning."""

import logging

import pytest
from django.core.cache import cache
from django.test import override_settings

from deflection import cache as resilient_cache
from deflection import outbox
from deflection.models import OutboxMessage, OutboxStatus

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def dead_cache(settings):
    return {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": DEAD_REDIS}}


@pytest.fixture
def redis_down(settings):
    """Cache and broker both pointed at a port where nothing listens."""
    with override_settings(CACHES=dead_cache(settings), REDIS_URL=DEAD_REDIS, CELERY_BROKER_URL=DEAD_REDIS):
        yield
    resilient_cache.circuit.reset()
    outbox.broker_circuit.reset()


def test_unreachable_redis_is_a_miss_and_the_process_keeps_what_it_computed(redis_down):
    assert cache.get("anything", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    cache.set("setup", "computed once", 3600)
    assert cache.get("setup") == "computed once"  # the next request in this process need not compute it again
    assert cache.add("setup", "other") is False
    assert cache.delete("setup") is False
    assert cache.get("setup") is None
    with pytest.raises(ValueError):
        cache.incr("counter")


def test_entries_kept_during_an_outage_are_not_read_once_redis_is_back(settings):
    with override_settings(CACHES=dead_cache(settings)):
        cache.set("pathway-order", "computed during the outage")
    resilient_cache.circuit.reset()
    assert cache.get("pathway-order") is None


def test_many_misses_log_one_warning_without_the_key(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="deflection.circuit"):
        for i in range(50):
            resilient_cache.circuit.reset()  # force a real attempt every time
            # reset() clears the rate limit too, so only the first attempt after it logs: count per window.
            if i:
                resilient_cache.circuit._last_warning = 1e18
            cache.get(f"reports:secret-period-{i}")
    warnings = [r for r in caplog.records if r.name == "deflection.circuit"]
    assert len(warnings) == 1
    assert "secret-period" not in warnings[0].getMessage()
    assert "ConnectionError" in warnings[0].getMessage()


def test_work_after_commit_waits_in_the_outbox_while_the_broker_is_down(redis_down, transactional_db):
    outbox.enqueue("deflection.tasks.ping", token="t")  # autocommit: on_commit runs at once
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.PENDING
    assert outbox.broker_circuit.is_open()


def test_an_invalidation_missed_during_the_outage_is_replayed_when_redis_returns(settings):
    cache.set("setup:v1", "old checklist")
    with override_settings(CACHES=dead_cache(settings)):
        cache.delete("setup:v1")  # a coordinator edited the checklist while Redis was down
    resilient_cache.circuit.reset()
    assert cache.get("setup:v1") is None
