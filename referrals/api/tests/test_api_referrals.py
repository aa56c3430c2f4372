"""Creating a referral through the API: the officer form's rules, eligibility and idempotency."""

import json
import uuid

from deflection.models import AuditEvent
from referrals.api.tests.conftest import auth, referral_body
from referrals.models import Referral, Status

URL = "/api/v1/referrals"


def post(client, token, body, key=None):
    return client.post(
        URL,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4()),
        **auth(token),
    )


def fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def test_cad_referral_lands_in_the_providers_queue_and_is_audited(client, rworld, police_token):
    response = post(client, police_token, referral_body(rworld))
    assert response.status_code == 201, response.content
    referral = Referral.objects.get()
    assert response.json()["reference"] == referral.reference
    assert referral.officer == rworld.officer
    assert referral.agency == rworld.police
    assert referral.provider == rworld.provider
    assert referral.status == Status.RECEIVED
    assert AuditEvent.objects.filter(action="referral.create", object_id=str(referral.pk)).exists()
    call = AuditEvent.objects.get(action="api.referral.create")
    assert call.actor_username.startswith("api-client:")
    assert call.detail["incident"] == "CAD-2026-001234"


def test_repeated_idempotency_key_returns_the_first_referral(client, rworld, police_token):
    key = str(uuid.uuid4())
    first = post(client, police_token, referral_body(rworld), key=key)
    second = post(client, police_token, referral_body(rworld), key=key)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Referral.objects.count() == 1


def test_the_forms_rules_name_each_field_and_echo_nothing(client, rworld, police_token):
    body = referral_body(rworld, first_name="", last_name="", date_of_birth=None, handoff="transport", service_id=None)
    response = post(client, police_token, body)
    assert response.status_code == 400
    assert {"first_name", "last_name", "date_of_birth", "service_id"} <= fields(response)
    assert b"555" not in response.content and b"Rivera" not in response.content
    assert not Referral.objects.exists()


def test_unanswered_eligibility_item_is_named_by_its_id(client, rworld, police_token):
    response = post(client, police_token, referral_body(rworld, eligibility={}))
    assert response.status_code == 400
    assert f"eligibility.{rworld.adult.pk}" in fields(response)


def test_failed_hard_criterion_is_refused_with_guidance(client, rworld, police_token):
    body = referral_body(rworld, eligibility={str(rworld.adult.pk): False, str(rworld.warrant.pk): False})
    response = post(client, police_token, body)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == f"eligibility.{rworld.adult.pk}"
    assert "Youth Services" in error["reason"]
    assert not Referral.objects.exists()


def test_inclusive_criterion_routes_to_the_justice_partner(client, rworld, police_token):
    body = referral_body(rworld, eligibility={str(rworld.adult.pk): True, str(rworld.warrant.pk): True})
    response = post(client, police_token, body)
    assert response.status_code == 201
    assert response.json()["needs_justice_coordination"] is True


def test_badge_of_another_agency_is_not_found_in_this_one(client, rworld, police_token):
    deputy_badge = "S-1"
    response = post(client, police_token, referral_body(rworld, badge_number=deputy_badge))
    assert response.status_code == 400
    assert fields(response) == {"badge_number"}


def test_missing_or_malformed_idempotency_key_is_a_400(client, rworld, police_token):
    missing = client.post(URL, data=json.dumps(referral_body(rworld)), content_type="application/json", **auth(police_token))
    assert missing.status_code == 400
    assert "Idempotency-Key" in fields(missing)
    bad = post(client, police_token, referral_body(rworld), key="not-a-uuid")
    assert bad.status_code == 400
    assert fields(bad) == {"Idempotency-Key"}


def test_unreadable_json_is_a_400(client, rworld, police_token):
    response = client.post(
        URL, data="{not json", content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()), **auth(police_token)
    )
    assert response.status_code == 400
    assert response.json()["errors"]


def test_unknown_pathway_and_nul_bytes_are_400s(client, rworld, police_token):
    response = post(client, police_token, referral_body(rworld, pathway="arrest", location="a\x00b"))
    assert response.status_code == 400
    assert "pathway" in fields(response)
    nul = post(client, police_token, referral_body(rworld, location="a\x00b"))
    assert nul.status_code == 400
    assert fields(nul) == {"location"}
