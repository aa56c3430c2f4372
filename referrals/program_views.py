"""The program page (/programs/<id>/): goals, pathways, eligibility, partners and referral times; and the
coordinator's retention and on-call rota pages.

It lives in referrals, not deflection, because it shows the eligibility checklist and how long
referrals take (DOMAIN.md: "referring easier than arrest and booking"); the root URLconf mounts it
beside deflection's program admin (referrals/program_urls.py).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from deflection import access
from deflection.audit import AuditContext
from deflection.errors import ServiceError, refusal_response
from deflection.params import parse_id, parse_whole_number
from referrals import assignment, retention
from referrals.rota_forms import OnCallShiftForm
from referrals.selectors import completion_times


@login_required
def program_detail(request, pk):
    program = access.get_program_for_user(request, pk)
    partners = program.partners.order_by("name")
    criteria = program.criteria.filter(is_active=True).order_by("position", "pk")
    return render(
        request,
        "deflection/program_detail.html",
        {
            "program": program,
            "partners": partners,
            "criteria": criteria,
            "times": completion_times(program),
            "coordinates": access.coordinates(request.user, program),
        },
    )


def _retention_context(program, user) -> dict:
    return {
        "program": program,
        "years": retention.retention_years(program),
        "min_years": retention.MIN_RETENTION_YEARS,
        "max_years": retention.MAX_RETENTION_YEARS,
        "holds": retention.held_records(program),
    }


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def program_retention(request, pk):
    """Coordinators: the retention period, and legal holds set and lifted by referral reference, with a reason.

    No names: a coordinator opens no participant page, so holds are listed by record (P-) and referral
    references, which the justice-partner queue and a court's request already use.
    """
    program = access.get_program_for_coordinator(request, pk)
    if request.method == "POST":
        audit = AuditContext.from_request(request)
        action = request.POST.get("action")
        try:
            if action == "period":
                years = parse_whole_number(request.POST.get("years", ""))
                if years is None:
                    raise ServiceError("Give the period as a whole number of years.")
                retention.retention_policy_set(program=program, by=request.user, years=years, audit=audit)
                messages.success(request, f"Records are now kept {years} years after the last activity.")
            elif action in ("hold", "lift"):
                if action == "hold":
                    participant = retention.participant_by_reference(program, request.POST.get("reference", ""))
                else:
                    participant = retention.held_participant(program, parse_id(request.POST.get("hold", "")))
                if participant is None:
                    raise ServiceError("No referral of this program has that reference (for example R-000123).")
                retention.participant_legal_hold_set(
                    participant=participant,
                    by=request.user,
                    hold=action == "hold",
                    reason=request.POST.get("reason", ""),
                    audit=audit,
                )
                messages.success(
                    request,
                    f"P-{participant.pk} is on legal hold: the retention job keeps it as it is."
                    if action == "hold"
                    else f"The legal hold on P-{participant.pk} is lifted.",
                )
            else:
                raise ServiceError("Choose what to change.")
        except ServiceError as error:
            context = _retention_context(program, request.user)
            context["posted"] = {"action": action, "reference": request.POST.get("reference", "")}
            return refusal_response(request, error, "referrals/retention.html", context)
        return redirect("program_retention", pk=program.pk)
    return render(request, "referrals/retention.html", _retention_context(program, request.user))


def _on_call_context(program, form) -> dict:
    return {"program": program, "rota": assignment.on_call_rota(program, timezone.now()), "form": form}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def program_on_call(request, pk):
    """Coordinators: who is on call at each provider, shifts added and removed (audited). New referrals go
    to the on-call case manager when the program assigns by on-call rota (chosen in the program settings)."""
    program = access.get_program_for_coordinator(request, pk)
    with program.time_zone_override():  # shift times are typed and shown on the program's wall clock
        choices = {
            "providers": assignment.program_providers(program),
            "case_managers": assignment.program_case_managers(program),
        }
        adding = request.method == "POST" and request.POST.get("action") == "add"
        form = OnCallShiftForm(request.POST if adding else None, **choices)
        if request.method == "GET":
            return render(request, "referrals/on_call.html", _on_call_context(program, form))
        audit = AuditContext.from_request(request)
        try:
            if adding:
                if not form.is_valid():
                    return render(request, "referrals/on_call.html", _on_call_context(program, form), status=400)
                c = form.cleaned_data
                shift = assignment.on_call_shift_add(
                    program=program,
                    agency=c["agency"],
                    case_manager=c["case_manager"],
                    starts_at=c["starts_at"],
                    ends_at=c["ends_at"],
                    by=request.user,
                    audit=audit,
                )
                messages.success(request, f"{shift.case_manager} is on call for {shift.agency.name}.")
            elif request.POST.get("action") == "remove":
                assignment.on_call_shift_remove(
                    program=program, shift_id=parse_id(request.POST.get("shift", "")), by=request.user, audit=audit
                )
                messages.success(request, "The shift is off the rota.")
            else:
                raise ServiceError("Choose what to change.")
        except ServiceError as error:
            return refusal_response(request, error, "referrals/on_call.html", _on_call_context(program, form))
    return redirect("program_on_call", pk=program.pk)
