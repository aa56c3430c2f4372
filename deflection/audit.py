"""The one way to write the audit trail (SECURITY.md 9)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, models, transaction

from deflection.client_address import client_address
from deflection.models import AuditEvent, AuditOutcome

logger = logging.getLogger(__name__)


def client_ip(request) -> str | None:
    """The client address: the peer, or what a proxy in TRUSTED_PROXIES forwarded (deflection.client_address)."""
    return client_address(request)


@dataclass(frozen=True)
class AuditContext:
    """Who acts, and from which address: what a service needs of a request for the audit trail.

    Services take this (`audit=`) instead of the request, so they can be called from a task, a
    command or a test. `AuditContext()` is the system (a background job): no actor, no address.
    """

    actor: Any = None
    ip_address: str | None = None

    @classmethod
    def from_request(cls, request) -> AuditContext:
        user = getattr(request, "user", None)
        return cls(actor=user if user is not None and user.is_authenticated else None, ip_address=client_ip(request))


def audit_log(
    *,
    action: str,
    request=None,
    context: AuditContext | None = None,
    actor=None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    outcome: str = AuditOutcome.SUCCESS,
    detail: dict[str, Any] | None = None,
    username: str = "",
) -> AuditEvent | None:
    """Append one audit record (None if the database refused it; the request goes on).

    Who and from where come from `context` (or, for views, `request`); `actor` defaults to the
    context's (or the request's) user. `detail` must never carry participant identifiers: ids and
    field names only.
    """
    if context is None and request is not None:
        context = AuditContext.from_request(request)
    if actor is None and context is not None:
        actor = context.actor
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    # A savepoint: an audit row that cannot be written (a value the column refuses, a lost
    # connection) must not fail the request or roll back the work it records. It is logged
    # by action and error class only: never the username, the object id or the detail.
    try:
        with transaction.atomic():
            return AuditEvent.objects.create(
                actor=actor,
                actor_username=(actor.get_username() if actor is not None else username)[:150],
                action=action,
                object_type=object_type,
                object_id=str(object_id),
                ip_address=context.ip_address if context is not None else None,
                outcome=outcome,
                detail=detail or {},
            )
    except (DatabaseError, ValueError) as exc:  # psycopg refuses NUL in text with a ValueError
        logger.error("audit write failed: action=%s error=%s", action[:60], type(exc).__name__)
        return None
