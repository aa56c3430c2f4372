"""HUB workflow: tables and meetings, situations from presentation to closing, and identity reveals.

Every service takes `audit=AuditContext` (its actor is who acts) and writes the audit trail. The order
of the four filters is enforced here, on a row locked with select_for_update: a decision once, identity
only after an acute-elevated decision, an intervention only while acute, closing only after one.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError
from deflection.models import Agency, Membership, Program, ProgramType, Role
from deflection.outbox import enqueue
from deflection.roles import HUB_TABLE_ROLES
from referrals.hub.models import (
    INTERVENTION_WINDOW,
    AssignmentRole,
    CloseReason,
    HubMeeting,
    HubTable,
    Situation,
    SituationAgency,
    SituationIdentity,
    SituationStatus,
)

# ServiceError codes tests and views tell apart.
ALREADY_DECIDED = "already_decided"
BELOW_THRESHOLD = "below_threshold"
NOT_ACUTE = "not_acute"


def _check_members(table: HubTable, agencies: Iterable[Agency], what: str) -> None:
    member_ids = set(table.member_agencies.values_list("pk", flat=True))
    if any(agency.pk not in member_ids for agency in agencies):
        raise ServiceError(f"The {what} must be a member agency of this table.", code="not_member")


def table_create(
    *, program: Program, name: str, member_agencies: Iterable[Agency], meets: str = "", audit: AuditContext
) -> HubTable:
    if not program.runs(ProgramType.HUB):
        raise ServiceError("This program does not run a situation table.", status=404, code="not_running")
    agencies = list(member_agencies)
    allowed = program.agency_ids()
    if not agencies or any(agency.pk not in allowed for agency in agencies):
        raise ServiceError("Member agencies must be agencies of the program.", code="not_partner")
    if HubTable.objects.filter(program=program, name=name).exists():
        raise ServiceError("This program already has a table of that name.", status=409, code="duplicate")
    table = HubTable.objects.create(program=program, name=name, meets=meets, created_by=audit.actor)
    table.member_agencies.set(agencies)
    audit_log(action="hub.table.create", context=audit, obj=table, detail={"agencies": sorted(a.pk for a in agencies)})
    return table


def table_update_members(*, table: HubTable, member_agencies: Iterable[Agency], audit: AuditContext) -> None:
    agencies = list(member_agencies)
    allowed = table.program.agency_ids()
    if not agencies or any(agency.pk not in allowed for agency in agencies):
        raise ServiceError("Member agencies must be agencies of the program.", code="not_partner")
    table.member_agencies.set(agencies)
    audit_log(action="hub.table.members", context=audit, obj=table, detail={"agencies": sorted(a.pk for a in agencies)})


def meeting_schedule(*, table: HubTable, starts_at: datetime.datetime, agenda: str = "", audit: AuditContext) -> HubMeeting:
    meeting = HubMeeting.objects.create(table=table, starts_at=starts_at, agenda=agenda, created_by=audit.actor)
    audit_log(action="hub.meeting.schedule", context=audit, obj=meeting)
    return meeting


def meeting_record(*, meeting: HubMeeting, attended_by: Iterable[Agency], minutes: str, agenda: str, audit: AuditContext) -> None:
    """Attendance and minutes (and the agenda, amended): recorded during or after the meeting."""
    agencies = list(attended_by)
    _check_members(meeting.table, agencies, "attending agency")
    meeting.minutes = minutes
    meeting.agenda = agenda
    meeting.save(update_fields=["minutes", "agenda"])
    meeting.attended_by.set(agencies)
    audit_log(action="hub.meeting.record", context=audit, obj=meeting, detail={"attended": len(agencies)})


def situation_present(
    *,
    meeting: HubMeeting,
    presenting_agency: Agency,
    risk_factors: list[str],
    age_group: str,
    lead_agency: Agency,
    audit: AuditContext,
    presented_at: datetime.datetime | None = None,
) -> Situation:
    """Filter 2: the situation as the table first hears it: risk factors, an age group, a proposed lead."""
    if not risk_factors:
        raise ServiceError("Choose at least one risk factor.", code="no_risk_factors")
    _check_members(meeting.table, [presenting_agency, lead_agency], "presenting and lead agency")
    situation = Situation.objects.create(
        table=meeting.table,
        meeting=meeting,
        presenting_agency=presenting_agency,
        presented_by=audit.actor,
        presented_at=presented_at or timezone.now(),
        risk_factors=sorted(set(risk_factors)),
        age_group=age_group,
        lead_agency=lead_agency,
    )
    audit_log(action="hub.situation.present", context=audit, obj=situation)
    return situation


def _locked(situation: Situation) -> Situation:
    return Situation.objects.select_for_update().get(pk=situation.pk)


def situation_decide(
    *,
    situation: Situation,
    acute: bool,
    lead_agency: Agency | None = None,
    assisting_agencies: Iterable[Agency] = (),
    audit: AuditContext,
    decided_at: datetime.datetime | None = None,
) -> Situation:
    """Filter 3: the table's decision. Acute and elevated: assign the lead and assisting agencies and
    start the 48-hour clock. Below the threshold: the de-identified record is all there will ever be."""
    with transaction.atomic():
        locked = _locked(situation)
        if locked.status != SituationStatus.PRESENTED:
            raise ServiceError("The table has already decided on this situation.", status=409, code=ALREADY_DECIDED)
        now = decided_at or timezone.now()
        locked.decided_at, locked.decided_by = now, audit.actor
        if not acute:
            locked.status = SituationStatus.BELOW_THRESHOLD
            locked.save(update_fields=["status", "decided_at", "decided_by"])
            audit_log(action="hub.situation.decide", context=audit, obj=locked, detail={"acute": False})
            return locked
        lead = lead_agency or locked.lead_agency
        assisting = {agency.pk: agency for agency in assisting_agencies if agency.pk != lead.pk}
        # The presenting agency knows the person already and shares who it is; it is always assigned.
        if locked.presenting_agency_id != lead.pk:
            assisting.setdefault(locked.presenting_agency_id, locked.presenting_agency)
        _check_members(locked.table, [lead, *assisting.values()], "lead and assisting agencies")
        locked.status = SituationStatus.ACUTE
        locked.lead_agency = lead
        locked.intervention_due_at = now + INTERVENTION_WINDOW
        locked.save(update_fields=["status", "decided_at", "decided_by", "lead_agency", "intervention_due_at"])
        SituationAgency.objects.create(situation=locked, agency=lead, role=AssignmentRole.LEAD)
        SituationAgency.objects.bulk_create(
            SituationAgency(situation=locked, agency=agency, role=AssignmentRole.ASSISTING) for agency in assisting.values()
        )
        audit_log(
            action="hub.situation.decide",
            context=audit,
            obj=locked,
            detail={"acute": True, "lead": lead.pk, "assisting": sorted(assisting)},
        )
        return locked


def identity_share(
    *,
    situation: Situation,
    first_name: str,
    last_name: str,
    date_of_birth: datetime.date | None = None,
    address: str = "",
    phone: str = "",
    audit: AuditContext,
) -> SituationIdentity:
    """Filter 3, second half: who the person is, shared with the assigned agencies only.

    Refused before the decision and for a situation below the threshold, so such a situation never
    stores an identity. Sharing again corrects what was shared.
    """
    with transaction.atomic():
        locked = _locked(situation)
        if locked.status == SituationStatus.PRESENTED:
            raise ServiceError(
                "Identity is shared only after the table decides the risk is acute and elevated.", status=409, code=NOT_ACUTE
            )
        if locked.status == SituationStatus.BELOW_THRESHOLD:
            raise ServiceError("This situation is below the threshold: it keeps no identity.", status=409, code=BELOW_THRESHOLD)
        if locked.status == SituationStatus.CLOSED:
            raise ServiceError("This situation is closed: its identity can no longer be changed.", status=409, code="closed")
        identity, created = SituationIdentity.objects.update_or_create(
            situation=locked,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "date_of_birth": date_of_birth,
                "address": address,
                "phone": phone,
                "shared_at": timezone.now(),
                "shared_by": audit.actor,
            },
        )
        audit_log(action="hub.identity.share", context=audit, obj=locked, detail={"corrected": not created})
        return identity


def identity_reveal(*, situation: Situation, audit: AuditContext) -> SituationIdentity | None:
    """Read who the situation is about, for a user the access helper allowed; each reveal is audited."""
    identity = SituationIdentity.objects.filter(situation=situation).first()
    audit_log(action="hub.identity.reveal", context=audit, obj=situation, detail={"shared": identity is not None})
    return identity


def intervention_record(
    *, situation: Situation, took_part: Iterable[Agency], audit: AuditContext, at: datetime.datetime | None = None
) -> Situation:
    """Filter 4: the assigned agencies agreed the intervention (within 48 hours of the decision, or late)."""
    with transaction.atomic():
        locked = _locked(situation)
        if locked.status != SituationStatus.ACUTE:
            raise ServiceError("An intervention is recorded once, for an acute situation.", status=409, code=NOT_ACUTE)
        assigned = {a.agency_id for a in locked.assignments.all()}
        ids = {agency.pk for agency in took_part}
        if not ids or not ids <= assigned:
            raise ServiceError("Choose the assigned agencies that agreed the intervention.", code="not_assigned")
        locked.status = SituationStatus.INTERVENTION
        locked.intervention_at, locked.intervention_by = at or timezone.now(), audit.actor
        locked.save(update_fields=["status", "intervention_at", "intervention_by"])
        SituationAgency.objects.filter(situation=locked, agency_id__in=ids).update(took_part=True)
        audit_log(
            action="hub.intervention.record",
            context=audit,
            obj=locked,
            detail={"agencies": sorted(ids), "in_window": locked.intervention_in_window},
        )
        return locked


def situation_close(*, situation: Situation, reason: str, audit: AuditContext, at: datetime.datetime | None = None) -> Situation:
    if reason not in CloseReason.values:
        raise ServiceError("Choose why the situation is closed.", code="bad_reason")
    with transaction.atomic():
        locked = _locked(situation)
        # Usually after the intervention; an acute situation may close before one (the person refused, moved away).
        if locked.status not in {SituationStatus.ACUTE, SituationStatus.INTERVENTION}:
            raise ServiceError("Only an open acute situation can be closed.", status=409, code="not_open")
        locked.status = SituationStatus.CLOSED
        locked.close_reason = reason
        locked.closed_at, locked.closed_by = at or timezone.now(), audit.actor
        locked.save(update_fields=["status", "close_reason", "closed_at", "closed_by"])
        audit_log(action="hub.situation.close", context=audit, obj=locked, detail={"reason": reason})
        return locked


def interventions_flag_overdue(*, now: datetime.datetime | None = None) -> int:
    """The 48-hour clock's alarm: every acute situation past its due time, flagged once, its lead agency emailed.

    Safe to run any number of times: each situation is claimed by a conditional UPDATE before its email
    is queued (through the outbox, so a Redis outage loses nothing).
    """
    now = now or timezone.now()
    due = Situation.objects.filter(
        status=SituationStatus.ACUTE, intervention_due_at__lt=now, overdue_flagged_at__isnull=True
    ).values_list("pk", flat=True)
    flagged = 0
    for situation_id in list(due):
        with transaction.atomic():
            claimed = Situation.objects.filter(
                pk=situation_id, status=SituationStatus.ACUTE, overdue_flagged_at__isnull=True
            ).update(overdue_flagged_at=now)
            if not claimed:
                continue
            audit_log(action="hub.intervention.overdue", object_type="hub.situation", object_id=situation_id)
            enqueue("referrals.hub.tasks.email_overdue_intervention", situation_id=situation_id)
            flagged += 1
    return flagged


def overdue_intervention_email(*, situation_id: int) -> bool:
    """Tell the lead agency's representatives and the chairs, once: a reference and a link, never who it is."""
    with transaction.atomic():
        claimed = Situation.objects.filter(pk=situation_id, overdue_emailed_at__isnull=True).update(
            overdue_emailed_at=timezone.now()
        )
        if not claimed:
            return False
        situation = Situation.objects.select_related("table__program").get(pk=situation_id)
        program = situation.table.program
        # The lead agency's representatives, and the program's coordinators who chair its tables.
        lead = Q(agency_id=situation.lead_agency_id, role__in=HUB_TABLE_ROLES)
        chairs = Q(agency_id__in=program.agency_ids(), role=Role.COORDINATOR)
        recipients = Membership.objects.filter(lead | chairs, is_active=True, user__is_active=True)
        emails = sorted(set(recipients.values_list("user__email", flat=True)))
        if emails:
            link = settings.SITE_URL + reverse("hub:situation", args=[situation.pk])
            send_mail(
                subject=f"Deflection: situation {situation.reference} has no intervention after 48 hours",
                message=(
                    f"The table found situation {situation.reference} at acute elevated risk, and no intervention "
                    f"has been agreed within 48 hours.\n\nOpen the situation: {link}\n"
                ),
                from_email=None,
                recipient_list=emails,
            )
    return True
