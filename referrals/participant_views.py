"""Case managers' pages about a person: the participant page, merges, consents (record, print, revoke),
expiry events, proposed updates and the disclosure accounting (CSV, PDF). Thin: access helper, service, render."""

from __future__ import annotations

import dataclasses

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from deflection.audit import AuditContext, audit_log
from deflection.csvcells import safe_writer
from deflection.models import Role
from deflection.pdf import render_pdf
from referrals import access, selectors, services
from referrals.forms import (
    ConsentForm,
    ExpiryEventForm,
    OutcomeForm,
)


@login_required
@require_http_methods(["GET", "POST"])
def participant_detail(request, pk):
    participant = access.get_participant_for_case_manager(request, pk)
    page = selectors.participant_page(
        participant, viewer=request.user, duplicates=services.possible_duplicates(participant, viewer=request.user)
    )
    outcome_form = OutcomeForm(request.POST or None)
    event_form = ExpiryEventForm()
    if request.method == "POST":
        if outcome_form.is_valid():
            services.outcome_record(
                participant=participant,
                kind=outcome_form.cleaned_data["kind"],
                occurred_on=outcome_form.cleaned_data["occurred_on"],
                by=request.user,
                provider_id=page.referrals[0].provider_id,
                audit=AuditContext.from_request(request),
            )
            messages.success(request, "Outcome recorded.")
            return redirect("referrals:participant", pk=participant.pk)
    else:
        audit_log(action="participant.view", request=request, obj=participant)
    return render(
        request,
        "referrals/participant_detail.html",
        {
            "participant": participant,
            "page": page,
            "referrals": page.referrals,
            "consents": page.consents,
            "outcomes": page.outcomes,
            "outcome_form": outcome_form,
            "event_form": event_form,
            "duplicates": page.duplicates,
            "disclosures": page.disclosures,
            "today": timezone.localdate(),
        },
        status=400 if outcome_form.errors else 200,
    )


@login_required
@require_POST
def participant_merge(request, pk, other_pk):
    survivor = access.get_participant_for_case_manager(request, pk)
    duplicate = access.get_participant_for_case_manager(request, other_pk)
    try:
        services.participants_merge(
            survivor=survivor, duplicate=duplicate, by=request.user, audit=AuditContext.from_request(request)
        )
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("referrals:participant", pk=survivor.pk)
    messages.success(request, f"Merged P-{duplicate.pk} into P-{survivor.pk}; every referral was kept.")
    return redirect("referrals:participant", pk=survivor.pk)


DISCLOSURE_COLUMNS = ["time", "recipient", "shown", "consent", "referral", "channel", "disclosed_by"]


def _disclosure_export(request, pk) -> tuple:
    participant = access.get_participant_for_case_manager(request, pk)
    referral_ids = selectors.case_manager_referral_ids(request.user, participant)
    tz = participant.program.tz
    rows = [
        dataclasses.replace(d, at=d.at.astimezone(tz))
        for d in selectors.disclosures_about(participant, referral_ids=referral_ids)
    ]
    return participant, rows


@login_required
def disclosures_csv(request, pk):
    """Every disclosure about the person (merged-away records included), no row cap; audited."""
    participant, rows = _disclosure_export(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="disclosures-P-{participant.pk}.csv"'
    writer = safe_writer(response)
    writer.writerow(DISCLOSURE_COLUMNS)
    for d in rows:
        writer.writerow(
            [
                d.at.isoformat(timespec="seconds"),
                d.recipient,
                d.shown,
                d.consent_id or "",
                d.referral_id or "",
                d.channel,
                d.disclosed_by,
            ]
        )
    audit_log(
        action="participant.disclosures_export", request=request, obj=participant, detail={"format": "csv", "rows": len(rows)}
    )
    return response


@login_required
def disclosures_pdf(request, pk):
    participant, rows = _disclosure_export(request, pk)
    pdf = render_pdf(
        "referrals/disclosures_pdf.html",
        {
            "participant": participant,
            "rows": [{"local_at": d.at, **dataclasses.asdict(d)} for d in rows],
            "time_zone": participant.program.time_zone,
            "provider_names": ", ".join(
                sorted(m.agency.name for m in request.user.active_memberships() if m.role == Role.CASE_MANAGER)
            ),
        },
    )
    audit_log(
        action="participant.disclosures_export", request=request, obj=participant, detail={"format": "pdf", "rows": len(rows)}
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="disclosures-P-{participant.pk}.pdf"'
    return response


@login_required
@require_POST
def proposal_decide(request, pk):
    proposal = access.get_proposal_for_case_manager(request, pk)
    accept = request.POST.get("decision") == "accept"
    if request.POST.get("decision") not in ("accept", "discard"):
        messages.error(request, "Choose accept or discard.")
    elif services.proposal_decide(proposal=proposal, by=request.user, accept=accept, audit=AuditContext.from_request(request)):
        done = "The new phone number is now on the record." if accept else "The proposed number was discarded."
        messages.success(request, done)
    return redirect("referrals:participant", pk=proposal.participant_id)


@login_required
@require_POST
def expiry_event_record(request, pk):
    participant = access.get_participant_for_case_manager(request, pk)
    form = ExpiryEventForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the event and the day it happened (not in the future).")
        return redirect("referrals:participant", pk=participant.pk)
    ended = services.consent_expiry_event_record(
        participant=participant,
        event=form.cleaned_data["event"],
        occurred_on=form.cleaned_data["occurred_on"],
        by=request.user,
        audit=AuditContext.from_request(request),
    )
    messages.success(request, f"Event recorded; {ended} consent{'s' if ended != 1 else ''} that expired on it ended.")
    return redirect("referrals:participant", pk=participant.pk)


@login_required
@require_http_methods(["GET", "POST"])
def consent_new(request, pk):
    referral = access.get_referral_for_case_manager(request, pk)
    form = ConsentForm(request.POST or None, referral=referral)
    if request.method == "POST" and form.is_valid():
        try:
            consent = services.consent_record(
                participant=referral.participant,
                witnessed_by=request.user,
                audit=AuditContext.from_request(request),
                **form.consent_fields(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Consent recorded. Print the consent form for the participant.")
            return redirect("referrals:consent", pk=consent.pk)
    return render(
        request,
        "referrals/consent_form.html",
        {"form": form, "referral": referral},
        status=400 if form.errors else 200,
    )


@login_required
def consent_detail(request, pk):
    consent = access.get_consent_for_case_manager(request, pk)
    audit_log(action="consent.view", request=request, obj=consent.participant, detail={"consent": consent.pk})
    return render(request, "referrals/consent_detail.html", {"consent": consent, "active": consent.is_active()})


@login_required
def consent_pdf(request, pk):
    consent = access.get_consent_for_case_manager(request, pk)
    pdf = render_pdf("referrals/consent_pdf.html", {"consent": consent, "participant": consent.participant})
    audit_log(action="consent.pdf", request=request, obj=consent.participant, detail={"consent": consent.pk})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="consent-{consent.pk}.pdf"'
    return response


@login_required
@require_POST
def consent_revoke(request, pk):
    consent = access.get_consent_for_case_manager(request, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Nothing was revoked: tick the box to confirm the participant asked to revoke.")
        return redirect("referrals:consent", pk=consent.pk)
    if services.consent_revoke(consent=consent, by=request.user, audit=AuditContext.from_request(request)):
        messages.success(request, "Consent revoked. Nothing more is disclosed from now on.")
    return redirect("referrals:consent", pk=consent.pk)
