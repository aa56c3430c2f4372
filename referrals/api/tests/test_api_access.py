"""Who may call what: tokens, scopes, agency isolation, revocation, expiry, the rate limit, the consent gate."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from deflection.models import AuditEvent, AuditOutcome
from referrals.api.models import ApiClient, Scope, token_digest
from referrals.api.services import api_client_revoke
from referrals.api.tests.conftest import auth, badge, make_token
from referrals.disclosure import RECEIVED_ONLY, REDISCLOSURE_NOTICE
from referrals.models import DisclosureLevel, Status
from referrals.tests.factories import ConsentFactory, ReferralFactory


@pytest.fixture
def police_referral(rworld):
    return ReferralFactory(
        program=rworld.program,
        officer=rworld.officer,
        agency=rworld.police,
        provider=rworld.provider,
        status=Status.ENGAGED,
    )


def status_url(referral, badge_number):
    return f"/api/v1/referrals/{referral.pk}/status?badge_number={badge_number}"


def test_token_is_stored_only_as_its_hash(rworld):
    token = make_token(rworld, rworld.police)
    row = ApiClient.objects.get()
    assert row.token_sha256 == token_digest(token)
    assert token not in {row.prefix, row.token_sha256, row.name}
    assert token.startswith(f"dfl_{row.prefix}_")


def test_unknown_revoked_and_expired_tokens_are_401(client, rworld, police_token):
    assert client.get("/api/v1/directory", **auth(police_token + "x")).status_code == 401
    assert client.get("/api/v1/directory").status_code == 401
    assert client.get("/api/v1/directory", **auth(police_token)).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        expired = client.get("/api/v1/directory", **auth(police_token))
    assert expired.status_code == 401
    assert expired["WWW-Authenticate"] == "Bearer"
    api_client_revoke(client=ApiClient.objects.get(), by=rworld.coordinator)
    revoked = client.get("/api/v1/directory", **auth(police_token))
    assert revoked.status_code == 401
    assert revoked.json()["errors"][0]["field"] == "Authorization"


def test_token_without_the_scope_is_403_and_audited_as_denied(client, rworld):
    token = make_token(rworld, rworld.police, scopes=[Scope.DIRECTORY_READ])
    response = client.post("/api/v1/referrals", data="{}", content_type="application/json", **auth(token))
    assert response.status_code == 403
    assert "referrals:create" in response.json()["errors"][0]["reason"]
    assert AuditEvent.objects.filter(action="api.referral.create", outcome=AuditOutcome.DENIED).exists()


def test_client_of_another_agency_cannot_read_the_referral(client, rworld, police_referral):
    sheriff_token = make_token(rworld, rworld.sheriff)
    response = client.get(status_url(police_referral, badge(rworld.officer, rworld.police)), **auth(sheriff_token))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="api.referral.status", outcome=AuditOutcome.DENIED).exists()


def test_status_is_read_only_for_the_referring_officers_badge(client, rworld, police_referral, police_token):
    other_badge = badge(rworld.other_officer, rworld.police)
    assert client.get(status_url(police_referral, other_badge), **auth(police_token)).status_code == 404


def test_without_consent_the_status_is_received_only(client, rworld, police_referral, police_token):
    response = client.get(status_url(police_referral, badge(rworld.officer, rworld.police)), **auth(police_token))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == RECEIVED_ONLY
    assert body["disclosed"] is False and body["redisclosure_notice"] is None
    assert not AuditEvent.objects.filter(action="disclosure").exists()


def test_consent_naming_the_officer_discloses_with_the_notice_and_is_logged(client, rworld, police_referral, police_token):
    consent = ConsentFactory(
        participant=police_referral.participant,
        disclosing_agency=rworld.provider,
        recipient_officer=rworld.officer,
        level=DisclosureLevel.STATUS,
        witnessed_by=rworld.case_manager,
    )
    url = status_url(police_referral, badge(rworld.officer, rworld.police))
    body = client.get(url, **auth(police_token)).json()
    assert body["disclosed"] is True
    assert body["status"] == "Engaged in treatment"
    assert body["redisclosure_notice"] == REDISCLOSURE_NOTICE
    record = AuditEvent.objects.get(action="disclosure")
    assert record.detail["consent"] == consent.pk
    assert record.detail["channel"] == "api"
    assert record.detail["recipient_user"] == rworld.officer.pk
    # Revocation takes effect on the next call.
    consent.revoked_at = timezone.now()
    consent.save(update_fields=["revoked_at"])
    assert client.get(url, **auth(police_token)).json()["status"] == RECEIVED_ONLY


def test_calls_past_the_clients_limit_get_429(client, rworld, police_token):
    ApiClient.objects.update(rate_limit_per_minute=2)
    with time_machine.travel(datetime.datetime(2026, 5, 4, 12, 0, 10, tzinfo=datetime.UTC), tick=False):
        codes = [client.get("/api/v1/directory", **auth(police_token)).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
    with time_machine.travel(datetime.datetime(2026, 5, 4, 12, 1, 10, tzinfo=datetime.UTC), tick=False):
        assert client.get("/api/v1/directory", **auth(police_token)).status_code == 200


def test_a_redis_outage_does_not_fail_the_call(client, rworld, police_token, monkeypatch):
    def down(*_args, **_kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "incr", down)
    monkeypatch.setattr(cache, "add", down)
    response = client.get("/api/v1/directory", **auth(police_token))
    assert response.status_code == 200


def test_directory_lists_capacity_in_few_queries(client, rworld, police_token, django_assert_max_num_queries):
    from referrals.tests.factories import ProviderServiceFactory

    for n in range(20):
        ProviderServiceFactory(agency=rworld.provider, name=f"Extra {n}")
    with django_assert_max_num_queries(10):  # constant: auth, rate, program, services, audit (chained)
        response = client.get("/api/v1/directory", **auth(police_token))
    services = response.json()["services"]
    assert len(services) == 22
    detox = next(s for s in services if s["id"] == rworld.detox.pk)
    assert detox["capacity"] == {
        "state": "open",
        "open_slots": 3,
        "updated_at": detox["capacity"]["updated_at"],
        "stale": False,
    }
    assert AuditEvent.objects.filter(action="api.directory.read").count() == 1


def test_eligibility_lists_the_checklist_by_id(client, rworld, police_token):
    body = client.get("/api/v1/eligibility", **auth(police_token)).json()
    assert [c["id"] for c in body["criteria"]] == [rworld.adult.pk, rworld.warrant.pk]
