"""Who may see which situation table, meeting and situation, and who may see a person's identity.

A table is seen by the representatives of its member agencies (a membership there with a role in
HUB_TABLE_ROLES) and by the program's coordinators, who chair it. The identity of a situation is seen
only by representatives of the agencies the table assigned to it (lead and assisting), and only
after the table found the risk acute and elevated. Every page of a program that does not run the
HUB workflow is a 404 (Program.runs), as is any guessed id (deflection.access.deny, audited).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from deflection import access
from deflection.access import agency_ids_with_role, get_object_for_user
from deflection.models import Program, ProgramType, User
from deflection.roles import HUB_TABLE_ROLES
from referrals.hub.models import HubMeeting, HubTable, Situation, SituationAgency


def representative_agency_ids(user: User) -> set[int]:
    """The user's agencies in which they may sit at a table."""
    if not user.is_authenticated:
        return set()
    return agency_ids_with_role(user, *HUB_TABLE_ROLES)


def programs_running_hub() -> QuerySet[Program]:
    return Program.objects.filter(program_types__contains=[ProgramType.HUB])


def tables_for(user: User) -> QuerySet[HubTable]:
    """Tables the user sits at (for a member agency) or chairs (coordinator of the program)."""
    tables = HubTable.objects.filter(program__in=programs_running_hub())
    if access.is_administrator(user):
        return tables
    chaired = access.programs_coordinated_by(user).values("pk")
    member_of = HubTable.member_agencies.through.objects.filter(agency_id__in=representative_agency_ids(user))
    return tables.filter(Q(program__in=chaired) | Q(pk__in=member_of.values("hubtable_id")))


def get_table_for_user(request, pk) -> HubTable:
    return get_object_for_user(request, tables_for(request.user).select_related("program"), pk, "hub.hubtable")


def get_meeting_for_user(request, pk) -> HubMeeting:
    queryset = HubMeeting.objects.filter(table__in=tables_for(request.user)).select_related("table__program")
    return get_object_for_user(request, queryset, pk, "hub.hubmeeting")


def get_situation_for_user(request, pk) -> Situation:
    queryset = Situation.objects.filter(table__in=tables_for(request.user)).select_related(
        "table__program", "presenting_agency", "lead_agency", "meeting"
    )
    return get_object_for_user(request, queryset, pk, "hub.situation")


def chairs(user: User, table: HubTable) -> bool:
    """The program's coordinators chair its tables: they schedule meetings and record decisions."""
    return access.coordinates(user, table.program_id)


def table_agency_ids_for(user: User, table: HubTable) -> set[int]:
    """The member agencies of this table that the user represents."""
    ids = representative_agency_ids(user)
    if not ids:
        return set()
    return set(table.member_agencies.filter(pk__in=ids).values_list("pk", flat=True))


def assigned_agency_ids_for(user: User, situation: Situation) -> set[int]:
    """The user's agencies that the table assigned to this situation (none before the threshold decision)."""
    if not situation.met_threshold:
        return set()
    ids = representative_agency_ids(user)
    if not ids:
        return set()
    return set(SituationAgency.objects.filter(situation=situation, agency_id__in=ids).values_list("agency_id", flat=True))


def may_see_identity(user: User, situation: Situation) -> bool:
    return bool(assigned_agency_ids_for(user, situation))


def leads(user: User, situation: Situation) -> bool:
    """Whether the user represents the situation's lead agency (records the intervention, closes it)."""
    return situation.met_threshold and situation.lead_agency_id in representative_agency_ids(user)


def get_situation_identity_for_user(request, pk) -> Situation:
    """The situation, if the user may read who it is about; otherwise a 404, audited as denied."""
    situation = get_situation_for_user(request, pk)
    if not may_see_identity(request.user, situation):
        raise access.deny(request, "hub.situationidentity", situation.pk)
    return situation
