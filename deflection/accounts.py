"""Account services: unlock a locked account, re-enable a disabled one, disable unused ones,
and end a user's other sessions after a change of roles (SECURITY.md 11, 24).

Coordinators act on people of their programs' agencies, administrators on everyone
(`accounts_manageable_by`); every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Greatest
from django.utils import timezone

from deflection import access, lockout, sessions
from deflection.audit import AuditContext, audit_log
from deflection.models import AuditOutcome, Membership, Role, User


def accounts_manageable_by(user: User) -> QuerySet[User]:
    """Accounts `user` may unlock or re-enable: everyone for an administrator; for a coordinator,
    people with a membership in an agency of a program they coordinate."""
    if access.is_administrator(user):
        return User.objects.all()
    if not access.agency_ids_with_role(user, Role.COORDINATOR):
        return User.objects.none()
    members = Membership.objects.filter(agency__in=access.agencies_for(user)).values("user_id")
    # A coordinator never acts on the site's superusers.
    return User.objects.filter(pk__in=members, is_superuser=False)


@dataclass(frozen=True)
class LockedAccount:
    user: User
    failures: int


def locked_accounts_for(user: User) -> list[LockedAccount]:
    """Locked accounts the user may unlock, by username."""
    failures = {row["username"]: row["failures"] for row in lockout.locked_usernames()}
    if not failures:
        return []
    users = accounts_manageable_by(user).filter(username__in=failures).order_by("username")
    return [LockedAccount(user=u, failures=failures[u.username]) for u in users]


def disabled_accounts_for(user: User) -> QuerySet[User]:
    """Accounts disabled for being unused that the user may turn back on."""
    return accounts_manageable_by(user).filter(is_active=False, disabled_unused_at__isnull=False).order_by("username")


def account_unlock(*, by: User, account: User, audit: AuditContext | None = None) -> bool:
    """Lift the lock; False if the account was not locked."""
    cleared = lockout.clear_lock(account.get_username())
    if cleared:
        audit_log(action="account.unlock", context=audit, actor=by, obj=account)
    return bool(cleared)


def account_reenable(*, by: User, account: User, audit: AuditContext | None = None) -> bool:
    """Turn an account disabled for being unused back on; it has another 90 days from now."""
    updated = User.objects.filter(pk=account.pk, is_active=False, disabled_unused_at__isnull=False).update(
        is_active=True, disabled_unused_at=None, reenabled_at=timezone.now()
    )
    if updated:
        audit_log(action="account.reenable", context=audit, actor=by, obj=account)
    return bool(updated)


def accounts_disable_unused(*, now: datetime | None = None) -> int:
    """Disable every active account nobody signed in to for ACCOUNT_UNUSED_DISABLE_AFTER (daily job).

    "Used" is the latest of the last sign-in, the account's creation and its last re-enabling.
    Only active accounts are touched, each claimed by a conditional UPDATE, so a second run the
    same day (or two workers at once) disables and audits nobody twice.
    """
    now = now or timezone.now()
    cutoff = now - settings.ACCOUNT_UNUSED_DISABLE_AFTER
    # PostgreSQL's GREATEST skips NULLs: never signed in, never re-enabled.
    last_used = Greatest("last_login", "reenabled_at", "date_joined")
    candidates = list(
        User.objects.filter(is_active=True).alias(last_used=last_used).filter(last_used__lt=cutoff).values_list("pk", flat=True)
    )
    disabled = 0
    for pk in candidates:
        with transaction.atomic():
            claimed = User.objects.filter(Q(pk=pk), is_active=True).update(is_active=False, disabled_unused_at=now)
            if claimed:
                sessions.end_other_sessions(user=User(pk=pk), keep=None)
                audit_log(
                    action="account.disable_unused",
                    object_type="deflection.user",
                    object_id=pk,
                    outcome=AuditOutcome.SUCCESS,
                    detail={"unused_days": settings.ACCOUNT_UNUSED_DISABLE_AFTER.days},
                )
                disabled += 1
    lockout.prune_stale_attempts(now=now)
    return disabled


def roles_changed(*, user: User, changed_by: User | None = None, changer_session_key: str | None = None) -> int:
    """After a change of `user`'s memberships or roles: end their sessions, but not the one making the change
    (an administrator editing their own roles stays signed in on this session)."""
    keep = changer_session_key if changed_by is not None and changed_by.pk == user.pk else None
    return sessions.end_other_sessions(user=user, keep=keep)
