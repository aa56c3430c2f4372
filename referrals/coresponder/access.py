"""Who may use the co-responder pages: a program that runs co-responders, and a role that logs or reads.

Every refusal is the same audited 404 as everywhere else (deflection.access.deny), so a program that
does not run co-responders looks exactly like a page that does not exist.
"""

from __future__ import annotations

from deflection.access import deny, get_object_for_user, programs_for
from deflection.models import Program, ProgramType
from deflection.roles import CORESPONDER_FIGURES_ROLES, CORESPONDER_LOG_ROLES
from referrals.coresponder.models import Encounter


def _coresponder_program(request, roles: frozenset[str], object_type: str) -> Program:
    user = request.user
    if user.has_role(*roles) or user.is_superuser:
        program = (
            programs_for(user)
            .filter(program_types__contains=[ProgramType.CO_RESPONDER])
            .select_related("lead_agency")
            .order_by("pk")
            .first()
        )
        if program is not None:
            return program
    raise deny(request, object_type, "")


def program_for_logging(request) -> Program:
    """The program the officer logs encounters in: the first (by id) of theirs that runs co-responders."""
    return _coresponder_program(request, CORESPONDER_LOG_ROLES, "coresponder.log")


def program_for_figures(request) -> Program:
    return _coresponder_program(request, CORESPONDER_FIGURES_ROLES, "coresponder.figures")


def get_encounter_for_officer(request, pk) -> Encounter:
    """An encounter the user logged themselves, in a program that still runs co-responders."""
    queryset = Encounter.objects.filter(
        logged_by=request.user, program__program_types__contains=[ProgramType.CO_RESPONDER]
    ).select_related("program", "referral", "clinician", "unit")
    return get_object_for_user(request, queryset, pk, "coresponder.encounter")
