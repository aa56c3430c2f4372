"""The one way to write the audit trail (SECURITY.md 9)."""

from __future__ import annotations

from typing import Any

from django.db import models

from deflection.models import AuditEvent, AuditOutcome


def client_ip(request) -> str | None:
    """The client address. Behind a proxy, set TRUSTED_PROXY and the proxy's X-Forwarded-For is used."""
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def audit_log(
    *,
    action: str,
    request=None,
    actor=None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    outcome: str = AuditOutcome.SUCCESS,
    detail: dict[str, Any] | None = None,
    username: str = "",
) -> AuditEvent:
    """Append one audit record.

    `actor` defaults to the request's user. `detail` must never carry
    participant identifiers: ids and field names only.
    """
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    return AuditEvent.objects.create(
        actor=actor,
        actor_username=(actor.get_username() if actor is not None else username)[:150],
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        ip_address=client_ip(request),
        outcome=outcome,
        detail=detail or {},
    )
