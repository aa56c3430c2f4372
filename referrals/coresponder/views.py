"""Co-responder pages: the officer's log (seconds on a phone), the encounter's referral, and the figures."""

from __future__ import annotations

import datetime
import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError, refusal_response
from referrals.coresponder import access, selectors, services
from referrals.coresponder.forms import EncounterForm, parse_month
from referrals.forms import ReferralForm
from referrals.services import INELIGIBLE


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def encounter_log(request):
    program = access.program_for_logging(request)
    with program.time_zone_override():
        form = EncounterForm(
            request.POST or None,
            clinicians=selectors.clinicians_for(program),
            initial={"idempotency_key": uuid.uuid4(), "clinician": selectors.last_clinician(request.user)},
        )
        if request.method == "POST" and form.is_valid():
            try:
                encounter, _created = services.encounter_log(
                    officer=request.user, program=program, data=form.to_data(), audit=AuditContext.from_request(request)
                )
            except ServiceError as refused:
                return refusal_response(request, refused, "coresponder/log.html", {"form": form, "program": program})
            if form.cleaned_data["referred"] and encounter.referral_id is None:
                return redirect("coresponder:refer", pk=encounter.pk)
            return redirect("coresponder:log")
        status = 400 if request.method == "POST" else 200
        context = {"form": form, "program": program, "recent": selectors.recent_encounters(request.user)}
        return render(request, "coresponder/log.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def encounter_refer(request, pk):
    encounter = access.get_encounter_for_officer(request, pk)
    program = encounter.program
    if encounter.referral_id is not None:
        return redirect("referrals:done", pk=encounter.referral_id)
    criteria = list(program.criteria.filter(is_active=True).order_by("position", "pk"))
    form = ReferralForm(request.POST or None, program=program, criteria=criteria)
    context = {"form": form, "program": program, "encounter": encounter}
    if request.method == "GET":
        return render(request, "coresponder/refer.html", context)
    if not form.is_valid():
        return render(request, "coresponder/refer.html", context, status=400)
    try:
        referral = services.encounter_refer(
            encounter=encounter,
            officer=request.user,
            data=form.to_data(),
            criteria=form.criteria,
            audit=AuditContext.from_request(request),
        )
    except ServiceError as refused:
        if refused.code == INELIGIBLE:
            context["refused"] = refused.detail  # the failed checklist items, with what else to do
        return refusal_response(request, refused, "coresponder/refer.html", context)
    return redirect("referrals:done", pk=referral.pk)


@login_required
def figures(request):
    program = access.program_for_figures(request)
    today = program.today()
    month = parse_month(request.GET.get("month"), today.replace(day=1))
    if month is None:
        return HttpResponseBadRequest("Choose a month as YYYY-MM, for example 2026-03.")
    table = selectors.encounter_figures(program, month)
    audit_log(action="coresponder.figures.view", request=request, obj=program, detail={"month": month.isoformat()})
    previous = (month - datetime.timedelta(days=1)).replace(day=1)
    return render(
        request,
        "coresponder/figures.html",
        {"program": program, "table": table, "previous": previous, "month_value": f"{month:%Y-%m}"},
    )
