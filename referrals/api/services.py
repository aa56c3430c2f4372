"""API client workflows: create (the token is returned once), revoke, authenticate, and the consent-gated status read."""

from __future__ import annotations

import datetime
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from deflection.audit import AuditContext, audit_log
from deflection.models import Agency, AuditEvent, User
from referrals import disclosure
from referrals.api.models import ApiClient, DirectoryPublication, Scope, token_digest
from referrals.models import Consent, Referral

TOKEN_START = "dfl_"  # noqa: S105  a public marker, not a secret
PREFIX_LENGTH = 12  # hex characters after TOKEN_START: the row's lookup key


def api_client_create(
    *,
    agency: Agency,
    name: str,
    scopes: list[str],
    expires_at: datetime.datetime,
    created_by: User,
    audit: AuditContext | None = None,
    token: str | None = None,
) -> tuple[ApiClient, str]:
    """Make a client and its token. The token is returned here once and only its SHA-256 is kept.

    `token` is for the demo's published token only; everywhere else a new random one is made.
    """
    unknown = set(scopes) - set(Scope.values)
    if unknown or not scopes:
        raise ValueError("Choose at least one known scope.")
    if token is None:
        token = f"{TOKEN_START}{secrets.token_hex(PREFIX_LENGTH // 2)}_{secrets.token_urlsafe(32)}"
    prefix = token[len(TOKEN_START) : len(TOKEN_START) + PREFIX_LENGTH]
    with transaction.atomic():
        client = ApiClient.objects.create(
            agency=agency,
            name=name,
            prefix=prefix,
            token_sha256=token_digest(token),
            scopes=sorted(set(scopes)),
            expires_at=expires_at,
            created_by=created_by,
        )
        audit_log(
            action="api_client.create",
            context=audit,
            actor=created_by,
            obj=client,
            detail={"agency": agency.pk, "scopes": client.scopes},
        )
    return client, token


def api_client_revoke(*, client: ApiClient, by: User, audit: AuditContext | None = None) -> bool:
    """Revocation takes effect on the next call: every call reads revoked_at."""
    with transaction.atomic():
        updated = ApiClient.objects.filter(pk=client.pk, revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_by=by)
        if updated:
            audit_log(action="api_client.revoke", context=audit, actor=by, obj=client)
    return bool(updated)


def api_client_authenticate(*, token: str) -> ApiClient | None:
    """The usable client a bearer token belongs to, or None (unknown, revoked or expired)."""
    if not token.startswith(TOKEN_START) or len(token) < len(TOKEN_START) + PREFIX_LENGTH + 2:
        return None
    prefix = token[len(TOKEN_START) : len(TOKEN_START) + PREFIX_LENGTH]
    client = ApiClient.objects.filter(prefix=prefix).select_related("agency").first()
    if client is None or not hmac.compare_digest(client.token_sha256, token_digest(token)):
        return None
    if not client.is_usable():
        return None
    return client


def api_call_audit(
    *, audit: AuditContext, client: ApiClient, operation: str, outcome: str, obj=None, detail: dict | None = None
) -> None:
    """Every API call is audited like a page view: the client stands in for the user."""
    audit_log(
        action=f"api.{operation}",
        context=audit,
        username=f"api-client:{client.prefix}",
        obj=obj,
        object_type="" if obj is not None else "referrals_api.apiclient",
        object_id="" if obj is not None else client.pk,
        outcome=outcome,
        detail={"client": client.pk, **(detail or {})},
    )


def referral_status_for_officer(*, referral: Referral, audit: AuditContext | None = None) -> disclosure.OfficerView:
    """What the referring officer may read of the referral, through the same consent gate as the page.

    A consented display is a disclosure: it is logged with the recipient, what was shown and the consent.
    """
    consents = list(Consent.objects.filter(participant_id=referral.participant_id, revoked_at__isnull=True))
    view = disclosure.officer_view(referral, referral.officer, consents)
    records = disclosure.disclosure_records(
        referrals_and_views=[(referral, view)],
        viewer=referral.officer,
        ip_address=(audit.ip_address if audit else None),
        channel="api",
    )
    if records:
        AuditEvent.objects.bulk_create(records)
    return view


def directory_publication_set(*, program, public: bool, by: User, audit: AuditContext | None = None) -> None:
    """Open the program's HSDS read paths to anyone, or close them to token holders only."""
    with transaction.atomic():
        DirectoryPublication.objects.update_or_create(
            program=program, defaults={"hsds_public": public, "updated_at": timezone.now(), "updated_by": by}
        )
        audit_log(action="hsds.publication", context=audit, actor=by, obj=program, detail={"public": public})
