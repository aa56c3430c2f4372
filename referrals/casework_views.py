"""Case-work pages of issue 12: the escalations a person received, and reassigning a referral. Thin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from deflection.audit import AuditContext
from deflection.errors import ServiceError, refusal_response
from deflection.models import User
from deflection.params import parse_id
from referrals import access, assignment
from referrals.clocks import engine
from referrals.clocks.registry import BY_NAME

ESCALATIONS_SHOWN = 100


@login_required
@never_cache
def escalations(request):
    """What ran out and was escalated to me: newest first; opening the page marks them read."""
    mine = access.case_manager_agency_ids(request.user)
    rows = []
    for notice in engine.escalation_notices_for(request.user)[:ESCALATIONS_SHOWN]:
        escalation = notice.escalation
        clock = BY_NAME.get(escalation.clock)
        rows.append(
            {
                "notice": notice,
                "escalation": escalation,
                "clock": clock.label if clock else escalation.clock,
                "reference": clock.reference(escalation.subject_id) if clock else "",
                # The item's page is the provider's: a coordinator sees that it is late, not the case.
                "link": clock.link(escalation.subject_id) if clock and escalation.provider_id in mine else "",
                "local_due": escalation.program.localtime(escalation.due_at),
            }
        )
    engine.escalation_notices_mark_read(user=request.user)
    return render(request, "referrals/escalations.html", {"rows": rows})


@login_required
@require_POST
def reassign(request, pk):
    """Give the referral to another case manager of its provider: one action, audited."""
    referral = access.get_referral_for_case_manager(request, pk)
    to_id = parse_id(request.POST.get("assigned_to", ""))
    to = User.objects.filter(pk=to_id).first() if to_id is not None else None
    context = {"referral": referral}
    if to is None:
        error = ServiceError("Choose a case manager to assign the referral to.", status=400)
        return refusal_response(request, error, "referrals/reassign_refused.html", context)
    try:
        changed = assignment.referral_reassign(referral=referral, to=to, audit=AuditContext.from_request(request))
    except ServiceError as error:
        return refusal_response(request, error, "referrals/reassign_refused.html", context)
    if changed:
        messages.success(request, f"{referral.reference} is now assigned to {to}.")
    return redirect("referrals:detail", pk=referral.pk)
