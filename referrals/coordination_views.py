"""Coordinators' referral pages: the justice-partner queue, undelivered officer emails and the eligibility
checklist. Thin: access helper, service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from deflection import access as program_access
from deflection import mail
from deflection.audit import AuditContext
from referrals import access, selectors, services
from referrals.forms import (
    CriterionForm,
)


def _coordinated_program(request):
    program = program_access.programs_coordinated_by(request.user).order_by("pk").first()
    if program is None:
        raise program_access.deny(request, "referrals.coordination", "")
    return program


@login_required
def justice_queue(request):
    program = _coordinated_program(request)
    rows = selectors.justice_queue(program)
    return render(request, "referrals/justice_queue.html", {"program": program, "rows": rows})


@login_required
@require_POST
def justice_done(request, pk):
    program = _coordinated_program(request)
    referral = access.get_referral_for_coordinator(request, program, pk)
    services.justice_mark_coordinated(referral=referral, by=request.user, audit=AuditContext.from_request(request))
    messages.success(request, f"{referral.reference} marked as coordinated with the justice partner.")
    return redirect("referrals:justice")


@login_required
def failed_emails(request):
    """Emails of every kind that failed after every retry (deflection/mail.py), each with a "send again"."""
    program = _coordinated_program(request)
    mails = mail.failed_mail([program])
    return render(request, "referrals/failed_emails.html", {"program": program, "mails": mails})


@login_required
@require_POST
def mail_resend(request, pk):
    program = _coordinated_program(request)
    failed = program_access.get_object_for_user(request, mail.program_mail([program]), pk, "deflection.outboundmail")
    mail.mail_resend(mail=failed, by=request.user, audit=AuditContext.from_request(request))
    messages.success(request, "The email will be sent again.")
    return redirect("referrals:failed_emails")


@login_required
@require_http_methods(["GET", "POST"])
def criteria(request):
    program = _coordinated_program(request)
    form = CriterionForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        criterion = form.save(commit=False)
        criterion.program = program
        services.criterion_save(criterion=criterion, by=request.user, audit=AuditContext.from_request(request))
        messages.success(request, "Eligibility item added.")
        return redirect("referrals:criteria")
    items = selectors.program_criteria(program)
    return render(
        request,
        "referrals/criteria.html",
        {"program": program, "items": items, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def criterion_edit(request, pk):
    program = _coordinated_program(request)
    criterion = access.get_criterion_for_coordinator(request, program, pk)
    form = CriterionForm(request.POST or None, instance=criterion, program=program)
    if request.method == "POST" and form.is_valid():
        criterion = form.save(commit=False)
        services.criterion_save(
            criterion=criterion, by=request.user, changed=form.changed_data, audit=AuditContext.from_request(request)
        )
        messages.success(request, "Eligibility item saved.")
        return redirect("referrals:criteria")
    return render(
        request,
        "referrals/criterion_edit.html",
        {"form": form, "criterion": criterion},
        status=400 if form.errors else 200,
    )
