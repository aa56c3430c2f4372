"""Who may see and do what in the feedback app: one helper per object type.

Each `get_*` helper returns the object only if the user may see it;
otherwise it writes a `denied` audit record and raises Http404, exactly like
`deflection.access` (SECURITY.md 14). For case managers' messages and
participants' letters "may see" includes consent: the officer reads one only
while an active consent covers free text (`referrals.disclosure.free_text_consent_now`).
"""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet

from deflection import access
from deflection.models import ROLE_PRECEDENCE, Membership, Program, Role, User
from deflection.roles import SUGGESTION_WRITER_ROLES
from feedback.models import (
    CaseManagerMessage,
    Highlight,
    LetterPermission,
    LetterStatus,
    ParticipantLetter,
    Suggestion,
    Survey,
)
from referrals import disclosure
from referrals.access import case_manager_agency_ids
from referrals.models import Consent


def _program_q(agency_ids: set[int]) -> Q:
    return Q(lead_agency_id__in=agency_ids) | Q(partners__id__in=agency_ids)


def suggestion_programs_for(user: User) -> QuerySet[Program]:
    """Programs in which the user holds a police role, and so may write suggestions."""
    ids = access.agency_ids_with_role(user, *SUGGESTION_WRITER_ROLES) if user.is_authenticated else set()
    return Program.objects.filter(_program_q(ids)).distinct()


def may_write_suggestions(user: User) -> bool:
    return user.is_authenticated and bool(user.roles & SUGGESTION_WRITER_ROLES)


def results_programs_for(user: User) -> QuerySet[Program]:
    """Programs whose survey results the user may read: coordinators, and command staff of a program agency."""
    if access.is_administrator(user):
        return Program.objects.all()
    ids = access.agency_ids_with_role(user, Role.COORDINATOR, Role.COMMAND)
    return Program.objects.filter(_program_q(ids)).distinct()


def may_read_results(user: User) -> bool:
    return access.is_administrator(user) or user.has_role(Role.COORDINATOR, Role.COMMAND)


def may_coordinate(user: User) -> bool:
    return access.is_administrator(user) or user.has_role(Role.COORDINATOR)


def _uuid_or_deny(request, pk, object_type: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(pk))
    except ValueError as exc:
        raise access.deny(request, object_type, pk) from exc


def suggestions_visible_to(user: User) -> QuerySet[Suggestion]:
    """Answered suggestions of the user's programs, the user's own, and everything in programs they coordinate."""
    return Suggestion.objects.filter(
        Q(program__in=access.programs_for(user), response__gt="")
        | Q(author_id=user.pk)
        | Q(program__in=access.programs_coordinated_by(user))
    )


def get_suggestion_for_user(request, pk) -> Suggestion:
    key = _uuid_or_deny(request, pk, "feedback.suggestion")
    return _get(request, suggestions_visible_to(request.user), key, "feedback.suggestion")


def get_suggestion_for_coordinator(request, pk) -> Suggestion:
    key = _uuid_or_deny(request, pk, "feedback.suggestion")
    queryset = Suggestion.objects.filter(program__in=access.programs_coordinated_by(request.user))
    return _get(request, queryset, key, "feedback.suggestion")


def _get(request, queryset: QuerySet, key: uuid.UUID, object_type: str):
    try:
        return queryset.get(pk=key)
    except queryset.model.DoesNotExist as exc:
        raise access.deny(request, object_type, key) from exc


def audience_membership(user: User, survey: Survey) -> Membership | None:
    """The membership an answer is counted under (role and agency in the results breakdown)."""
    agency_ids = {a.pk for a in survey.audience_agencies.all()}
    for role in ROLE_PRECEDENCE:
        for membership in user.active_memberships():
            if membership.role == role and role in survey.audience_roles and membership.agency_id in agency_ids:
                return membership
    return None


def surveys_addressed_to(user: User) -> QuerySet[Survey]:
    """Surveys whose audience includes one of the user's (role, agency) memberships."""
    clauses = Q(pk__in=[])
    for membership in user.active_memberships():
        clauses |= Q(audience_roles__contains=[membership.role], audience_agencies=membership.agency_id)
    return Survey.objects.filter(clauses, program__in=access.programs_for(user)).distinct()


def get_survey_for_respondent(request, pk) -> Survey:
    return access.get_object_for_user(request, surveys_addressed_to(request.user), pk, "feedback.survey")


def get_survey_for_results(request, pk) -> Survey:
    queryset = Survey.objects.filter(program__in=results_programs_for(request.user)).select_related("program")
    return access.get_object_for_user(request, queryset, pk, "feedback.survey")


def highlights_visible_to(user: User) -> QuerySet[Highlight]:
    return Highlight.objects.filter(program__in=access.programs_for(user))


def get_highlight_for_user(request, pk) -> Highlight:
    return access.get_object_for_user(request, highlights_visible_to(request.user), pk, "feedback.highlight")


# --- Consent for the outcome feed -----------------------------------------------------------------

# Whether consent lets a message or a letter reach the officer is decided by the one consent
# gate, referrals.disclosure (free_text_consent_now); nothing here decides it.


# --- Case managers' messages ----------------------------------------------------------------------


def get_message_for_officer(request, pk) -> tuple[CaseManagerMessage, Consent]:
    """A message to the requesting officer, with the consent that lets them read it now.

    Someone else's message, or one whose consent has since expired or been
    revoked, is a 404 with an audit record: revocation takes effect on the next request.
    """
    queryset = CaseManagerMessage.objects.filter(officer=request.user).select_related("referral")
    message = access.get_object_for_user(request, queryset, pk, "feedback.casemanagermessage")
    consent = disclosure.free_text_consent_now(message.referral, request.user)
    if consent is None:
        raise access.deny(request, "feedback.casemanagermessage", pk)
    return message, consent


# --- Participants' letters ------------------------------------------------------------------------


def letter_programs_for(user: User) -> QuerySet[Program]:
    """Programs whose letters the user reviews: those where they hold the coordinator role.

    Unlike suggestions, administrators are not included: a participant's letter is
    treatment-team material, and running the system is no reason to read it.
    """
    ids = access.agency_ids_with_role(user, Role.COORDINATOR) if user.is_authenticated else set()
    return Program.objects.filter(_program_q(ids)).distinct()


def letters_for_reviewer(user: User) -> QuerySet[ParticipantLetter]:
    """Letters of the programs the user coordinates."""
    return ParticipantLetter.objects.filter(program__in=letter_programs_for(user))


def letters_for_staff(user: User) -> QuerySet[ParticipantLetter]:
    """Letters whose original the user may read: the provider's case managers and the program's coordinators.

    Officers are never in this set, not even for their own referral's letter.
    """
    return ParticipantLetter.objects.filter(
        Q(provider_id__in=case_manager_agency_ids(user)) | Q(program__in=letter_programs_for(user))
    )


def may_review_letters(user: User) -> bool:
    return user.has_role(Role.COORDINATOR)


def may_see_letters(user: User) -> bool:
    return may_review_letters(user) or user.has_role(Role.CASE_MANAGER)


def get_letter_for_reviewer(request, pk) -> ParticipantLetter:
    queryset = letters_for_reviewer(request.user).select_related("program", "referral__participant", "referral__officer")
    return access.get_object_for_user(request, queryset, pk, "feedback.participantletter")


def get_letter_for_staff(request, pk) -> ParticipantLetter:
    queryset = letters_for_staff(request.user).select_related("program", "recorded_by", "reviewed_by")
    return access.get_object_for_user(request, queryset, pk, "feedback.participantletter")


def get_letter_for_officer(request, pk) -> tuple[ParticipantLetter, Consent]:
    """An approved letter the participant allowed to reach the requesting officer, with the consent covering it now."""
    queryset = (
        ParticipantLetter.objects.filter(
            referral__officer=request.user,
            status__in=LetterStatus.published(),
            permission__in=LetterPermission.to_officer(),
        )
        .select_related("referral")
        .defer("original_text")
    )
    letter = access.get_object_for_user(request, queryset, pk, "feedback.participantletter")
    consent = disclosure.free_text_consent_now(letter.referral, request.user)
    if consent is None:
        raise access.deny(request, "feedback.participantletter", pk)
    return letter, consent
