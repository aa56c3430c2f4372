"""Break-glass: a case manager or coordinator opens one participant outside their scope (SECURITY.md 25).

The user states a reason; access lasts `BreakGlassGrant.DURATION`; opening and every view are
audited as `breakglass.*`; the program's coordinators get a link-only email through the outbox,
after the commit; coordinators review every grant on the break-glass list.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from deflection import access
from deflection.audit import AuditContext, audit_log
from deflection.models import Membership, Role, User
from deflection.outbox import enqueue
from deflection.params import parse_id
from referrals.models import BreakGlassGrant, Participant

BREAK_GLASS_ROLES = (Role.CASE_MANAGER, Role.COORDINATOR)
REASON_MIN_CHARS = 20


def may_break_glass(user: User) -> bool:
    return user.is_authenticated and user.has_role(*BREAK_GLASS_ROLES)


def participant_for_break_glass(user: User, pk) -> Participant | None:
    """The participant, if it belongs to one of the user's programs and the user holds a break-glass role."""
    participant_id = parse_id(pk)
    if participant_id is None or not may_break_glass(user):
        return None
    return (
        Participant.objects.filter(pk=participant_id, merged_into__isnull=True, program__in=access.programs_for(user))
        .select_related("program")
        .first()
    )


def active_grant(user: User, participant_id) -> BreakGlassGrant | None:
    participant_id = parse_id(participant_id)
    if participant_id is None or not user.is_authenticated:
        return None
    return (
        BreakGlassGrant.objects.filter(user=user, participant_id=participant_id, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )


@transaction.atomic
def break_glass_open(*, user: User, participant: Participant, reason: str, audit: AuditContext | None = None) -> BreakGlassGrant:
    now = timezone.now()
    grant = BreakGlassGrant.objects.create(
        user=user,
        participant=participant,
        program_id=participant.program_id,
        reason=reason.strip(),
        created_at=now,
        expires_at=now + BreakGlassGrant.DURATION,
    )
    # The reason stays in its encrypted column; the audit row points at the grant.
    audit_log(
        action="breakglass.open",
        context=audit,
        actor=user,
        obj=participant,
        detail={"grant": grant.pk, "expires_at": grant.expires_at.isoformat()},
    )
    enqueue("referrals.tasks.email_break_glass_notice", grant_id=grant.pk)
    return grant


def break_glass_view(*, grant: BreakGlassGrant, audit: AuditContext) -> None:
    audit_log(
        action="breakglass.view",
        context=audit,
        object_type="referrals.participant",
        object_id=grant.participant_id,
        detail={"grant": grant.pk},
    )


def break_glass_notice_email(*, grant_id: int) -> bool:
    """Tell the program's coordinators, once: claim the row first so that a second delivery sends nothing."""
    with transaction.atomic():
        claimed = BreakGlassGrant.objects.filter(pk=grant_id, notified_at__isnull=True).update(notified_at=timezone.now())
        if not claimed:
            return False
        grant = BreakGlassGrant.objects.select_related("program").get(pk=grant_id)
        recipients = sorted(
            set(
                Membership.objects.filter(
                    role=Role.COORDINATOR, is_active=True, user__is_active=True, agency_id__in=grant.program.agency_ids()
                ).values_list("user__email", flat=True)
            )
        )
        if recipients:
            link = settings.SITE_URL + reverse("referrals:break_glass_review")
            # SECURITY.md 12: a link, never a name, a reason or a participant.
            send_mail(
                subject="Deflection: break-glass access to review",
                message=(
                    f"Someone opened a participant record outside their usual access, giving a reason.\n\nReview it: {link}\n"
                ),
                from_email=None,
                recipient_list=recipients,
            )
    return True


def break_glass_grants_for_review(user: User) -> QuerySet[BreakGlassGrant]:
    return (
        BreakGlassGrant.objects.filter(program__in=access.programs_coordinated_by(user))
        .select_related("user", "program")
        .order_by("-created_at")
    )
