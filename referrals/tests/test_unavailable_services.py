"""Referral intake when a service fails: Redis down is no error; PostgreSQL down is a plain 503, nothing saved."""

import pytest
from django.db import InterfaceError, OperationalError
from django.test import override_settings
from django.urls import reverse

from deflection import cache as resilient_cache
from deflection import outbox
from deflection.models import OutboxMessage, OutboxStatus
from referrals import views
from referrals.models import Referral
from referrals.tests.conftest import referral_post

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def redis_down(settings):
    """Cache and broker both pointed at a port where nothing listens."""
    caches = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": DEAD_REDIS}}
    with override_settings(CACHES=caches, REDIS_URL=DEAD_REDIS, CELERY_BROKER_URL=DEAD_REDIS):
        yield
    resilient_cache.circuit.reset()
    outbox.broker_circuit.reset()


def test_referral_form_opens_and_submits_with_redis_down(client, rworld, redis_down):
    client.force_login(rworld.officer)
    assert client.get(reverse("referrals:new")).status_code == 200
    response = client.post(reverse("referrals:new"), referral_post(rworld))
    assert response.status_code == 302
    assert Referral.objects.count() == 1
    # The officer's notice and anything else that follows the commit waits for the relay.
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.PENDING).exists()


@pytest.fixture
def raising_client(client):
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_database_down_is_a_plain_503_page(raising_client, rworld, monkeypatch, error):
    raising_client.force_login(rworld.officer)

    def unreachable(*_args, **_kwargs):
        raise error('connection to server at "127.0.0.1", port 5432 failed: Connection refused for Jamie Rivera')

    monkeypatch.setattr(views, "setup_for", unreachable)
    response = raising_client.post(reverse("referrals:new"), referral_post(rworld))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "nothing was saved" in body
    for leak in ("Traceback", "OperationalError", "InterfaceError", "5432", "Jamie", "Rivera"):
        assert leak not in body


def test_any_other_error_is_still_a_plain_500(raising_client, rworld, monkeypatch):
    raising_client.force_login(rworld.officer)

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "setup_for", broken)
    response = raising_client.get(reverse("referrals:new"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
