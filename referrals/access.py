"""Who may see which referral, participant, consent and service.

Identity and case details are for the treatment team only: case managers of the
agency whose queue holds the referral. Each provider sees only its own episodes of
a person (SECURITY.md 28): its referrals, the consents it recorded, the outcomes it
recorded, and duplicates among the people it holds; nothing here tells it that the
person is known at another provider. Police roles see only their own referrals, and
only as far as consent allows (referrals.disclosure, the one consent gate).
"""

from __future__ import annotations

from django.db.models import QuerySet

from deflection import access
from deflection.access import agency_ids_with_role, get_object_for_user
from deflection.audit import AuditContext
from deflection.models import Role
from deflection.roles import REFERRING_ROLES
from referrals import breakglass
from referrals.models import (
    Consent,
    EligibilityCriterion,
    FollowUpTask,
    Outcome,
    Participant,
    ParticipantUpdateProposal,
    ProviderService,
    Referral,
)


def can_refer(user) -> bool:
    return user.has_role(*REFERRING_ROLES)


def case_manager_agency_ids(user) -> set[int]:
    return agency_ids_with_role(user, Role.CASE_MANAGER)


def referrals_for_case_manager(user) -> QuerySet[Referral]:
    return Referral.objects.filter(provider_id__in=case_manager_agency_ids(user))


def participants_for_case_manager(user) -> QuerySet[Participant]:
    ids = case_manager_agency_ids(user)
    return Participant.objects.filter(referrals__provider_id__in=ids, merged_into__isnull=True).distinct()


def get_referral_for_case_manager(request, pk) -> Referral:
    queryset = referrals_for_case_manager(request.user).select_related(
        "participant", "program", "service", "officer", "agency", "provider", "assigned_to"
    )
    return get_object_for_user(request, queryset, pk, "referrals.referral")


def get_referral_for_officer(request, pk) -> Referral:
    queryset = Referral.objects.filter(officer=request.user).select_related("program", "service", "provider")
    return get_object_for_user(request, queryset, pk, "referrals.referral")


def get_referral_for_coordinator(request, program, pk) -> Referral:
    return get_object_for_user(request, Referral.objects.filter(program=program), pk, "referrals.referral")


def get_criterion_for_coordinator(request, program, pk) -> EligibilityCriterion:
    queryset = EligibilityCriterion.objects.filter(program=program)
    return get_object_for_user(request, queryset, pk, "referrals.eligibilitycriterion")


def get_participant_for_case_manager(request, pk) -> Participant:
    # Break-glass (SECURITY.md 25): a live grant for this user and participant opens it, audited as such.
    grant = breakglass.active_grant(request.user, pk)
    if grant is not None:
        breakglass.break_glass_view(grant=grant, audit=AuditContext.from_request(request))
        return Participant.objects.get(pk=grant.participant_id)
    return get_object_for_user(request, participants_for_case_manager(request.user), pk, "referrals.participant")


def consents_for_case_manager(user) -> QuerySet[Consent]:
    """Consents the user's providers recorded (their disclosing party), never another provider's."""
    return Consent.objects.filter(disclosing_agency_id__in=case_manager_agency_ids(user))


def outcomes_for_case_manager(user) -> QuerySet[Outcome]:
    return Outcome.objects.filter(provider_id__in=case_manager_agency_ids(user))


def proposals_for_case_manager(user) -> QuerySet[ParticipantUpdateProposal]:
    """Officers' proposed contact updates made on referrals to the user's providers."""
    return ParticipantUpdateProposal.objects.filter(referral__provider_id__in=case_manager_agency_ids(user))


def get_proposal_for_case_manager(request, pk) -> ParticipantUpdateProposal:
    queryset = proposals_for_case_manager(request.user).select_related("participant")
    return get_object_for_user(request, queryset, pk, "referrals.participantupdateproposal")


def get_consent_for_case_manager(request, pk) -> Consent:
    queryset = consents_for_case_manager(request.user).select_related(
        "participant", "disclosing_agency", "recipient_officer", "recipient_agency", "witnessed_by"
    )
    return get_object_for_user(request, queryset, pk, "referrals.consent")


def get_service_for_provider_staff(request, pk) -> ProviderService:
    queryset = ProviderService.objects.filter(agency_id__in=case_manager_agency_ids(request.user))
    return get_object_for_user(request, queryset, pk, "referrals.providerservice")


def get_task_for_user(request, pk) -> FollowUpTask:
    return get_object_for_user(request, FollowUpTask.objects.filter(assigned_to=request.user), pk, "referrals.followuptask")


def services_for(user) -> QuerySet[ProviderService]:
    """The directory: services of provider agencies in the user's programs."""
    agency_ids = set()
    for program in access.programs_for(user).prefetch_related("partners"):
        agency_ids |= program.agency_ids()
    return ProviderService.objects.filter(agency_id__in=agency_ids, is_active=True)
