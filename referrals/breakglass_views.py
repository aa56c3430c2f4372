"""Break-glass pages: state a reason to open a participant outside one's scope; the coordinators' review list."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from deflection import access as program_access
from deflection.audit import AuditContext
from referrals import access, breakglass

REVIEW_PAGE = 50


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need this record now?",
        min_length=breakglass.REASON_MIN_CHARS,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Your reason, your name and the time are recorded, and the program coordinator is told.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def break_glass(request, pk):
    participant = breakglass.participant_for_break_glass(request.user, pk)
    if participant is None:
        raise program_access.deny(request, "referrals.participant", pk)
    if access.participants_for_case_manager(request.user).filter(pk=participant.pk).exists():
        return redirect("referrals:participant", pk=participant.pk)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        grant = breakglass.break_glass_open(
            user=request.user,
            participant=participant,
            reason=form.cleaned_data["reason"],
            audit=AuditContext.from_request(request),
        )
        until = timezone.localtime(grant.expires_at, zoneinfo.ZoneInfo(participant.program.time_zone))
        messages.warning(request, f"Break-glass access until {until:%H:%M}. This access is under review.")
        return redirect("referrals:participant", pk=participant.pk)
    # The page shows no name: only the record number the user already typed or followed.
    return render(
        request,
        "referrals/break_glass.html",
        {
            "participant_pk": participant.pk,
            "form": form,
            "hours": int(breakglass.BreakGlassGrant.DURATION.total_seconds() // 3600),
        },
        status=400 if form.errors else 200,
    )


@login_required
def break_glass_review(request):
    if not program_access.programs_coordinated_by(request.user).exists():
        raise program_access.deny(request, "referrals.breakglass_review", "")
    page = Paginator(breakglass.break_glass_grants_for_review(request.user), REVIEW_PAGE).get_page(request.GET.get("page"))
    return render(request, "referrals/break_glass_review.html", {"page": page})
