"""The coordinator's page that issues and revokes API clients."""

from django.urls import reverse

from deflection.models import AuditEvent
from referrals.api.models import ApiClient, token_digest

URL = reverse("api_clients:list")


def test_coordinator_issues_a_token_shown_once(client, rworld):
    client.force_login(rworld.coordinator)
    response = client.post(
        URL,
        {
            "agency": rworld.police.pk,
            "name": "Riverside CAD",
            "scopes": ["referrals:create", "directory:read"],
            "expires_on": "2099-01-01",
        },
    )
    # A year at most: 2099 is refused.
    assert response.status_code == 400
    assert not ApiClient.objects.exists()
    from django.utils import timezone

    expires = (timezone.localdate() + timezone.timedelta(days=30)).isoformat()
    response = client.post(
        URL, {"agency": rworld.police.pk, "name": "Riverside CAD", "scopes": ["referrals:create"], "expires_on": expires}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    row = ApiClient.objects.get()
    token = response.context["token"]
    assert row.token_sha256 == token_digest(token)
    assert token.encode() in response.content
    assert token.encode() not in client.get(URL).content
    assert AuditEvent.objects.filter(action="api_client.create", object_id=str(row.pk)).exists()


def test_coordinator_revokes_a_client(client, rworld):
    from referrals.api.tests.conftest import make_token

    make_token(rworld, rworld.police)
    row = ApiClient.objects.get()
    client.force_login(rworld.coordinator)
    client.post(reverse("api_clients:revoke", args=[row.pk]))
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by == rworld.coordinator


def test_officer_cannot_reach_the_page(client, rworld):
    client.force_login(rworld.officer)
    assert client.get(URL).status_code == 404


def test_coordinator_cannot_revoke_another_programs_client(client, rworld):
    from referrals.api.tests.conftest import make_token

    make_token(rworld, rworld.outsider_agency)
    row = ApiClient.objects.get()
    client.force_login(rworld.coordinator)
    assert client.post(reverse("api_clients:revoke", args=[row.pk])).status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None
