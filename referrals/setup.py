"""What the officer's referral form needs to know about a program, read once per change, not per submit.

A submit needs the officer's program, its active eligibility checklist and its agencies. They change a
few times a year and are read on every form open and submit, so they are kept in the cache as one
entry for all programs and dropped whenever a program, its partners, an agency or a checklist item is
saved or deleted (signals below; none of those are changed with queryset.update()). The officer's own
memberships are still read on every request: access never comes from the cache.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save

from deflection.access import is_administrator, member_agency_ids
from deflection.models import Agency, Program, User
from referrals.models import EligibilityCriterion

SETUP_KEY = "referrals:setups:v1"
SETUP_SECONDS = 3600


@dataclass(frozen=True)
class ReferralSetup:
    program: Program  # with its case-management agency loaded
    criteria: tuple[EligibilityCriterion, ...]  # active items, in checklist order
    agency_ids: frozenset[int]  # lead and partners


def _build() -> dict[int, ReferralSetup]:
    criteria: dict[int, list[EligibilityCriterion]] = defaultdict(list)
    for criterion in EligibilityCriterion.objects.filter(is_active=True).order_by("position", "pk"):
        criteria[criterion.program_id].append(criterion)
    partners: dict[int, set[int]] = defaultdict(set)
    for program_id, agency_id in Program.partners.through.objects.values_list("program_id", "agency_id"):
        partners[program_id].add(agency_id)
    return {
        program.pk: ReferralSetup(
            program, tuple(criteria[program.pk]), frozenset({program.lead_agency_id, *partners[program.pk]})
        )
        for program in Program.objects.select_related("case_management_agency").order_by("pk")
    }


def setups() -> dict[int, ReferralSetup]:
    found = cache.get(SETUP_KEY)
    if found is None:
        found = _build()
        cache.set(SETUP_KEY, found, SETUP_SECONDS)
    return found


def setup_for(user: User) -> ReferralSetup | None:
    """The program a user refers into: the first (by id) that one of their agencies leads or partners
    in, as deflection.access.programs_for orders them."""
    every = setups()
    if is_administrator(user):
        return every[min(every)] if every else None
    mine = member_agency_ids(user)
    for program_id in sorted(every):
        if every[program_id].agency_ids & mine:
            return every[program_id]
    return None


def forget(**_kwargs) -> None:
    cache.delete(SETUP_KEY)


def connect() -> None:
    for model in (Program, Agency, EligibilityCriterion):
        post_save.connect(forget, sender=model, dispatch_uid=f"referrals-setup-save-{model.__name__}")
        post_delete.connect(forget, sender=model, dispatch_uid=f"referrals-setup-delete-{model.__name__}")
    m2m_changed.connect(forget, sender=Program.partners.through, dispatch_uid="referrals-setup-partners")
