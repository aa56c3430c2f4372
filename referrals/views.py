"""Officer, case-manager, provider and coordinator pages for referrals. Thin: parse, check, call a service, render."""

from __future__ import annotations

import statistics

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from deflection import access as program_access
from deflection.audit import audit_log
from deflection.errors import ServiceError, refusal_response
from deflection.models import AuditEvent, Role, User
from deflection.pdf import render_pdf
from referrals import access, services
from referrals.disclosure import REDISCLOSURE_NOTICE
from referrals.forms import (
    CapacityForm,
    ConsentForm,
    CriterionForm,
    OutcomeForm,
    ReferralForm,
    StatusForm,
    TaskForm,
)
from referrals.models import (
    HANDOFF_STEPS,
    CapacityState,
    CriterionKind,
    EligibilityCriterion,
    FollowUpTask,
    Handoff,
    OfficerNotice,
    Referral,
    ServiceKind,
    Status,
    StatusChange,
)
from referrals.setup import ReferralSetup, setup_for

MY_REFERRALS_PAGE = 50
# (value, label, steps) for each hand-off, in the form's order.
HANDOFF_GUIDE = [(h.value, h.label, HANDOFF_STEPS[h]) for h in Handoff]


def _officer_setup(request) -> ReferralSetup:
    setup = setup_for(request.user) if access.can_refer(request.user) else None
    if setup is None:
        raise program_access.deny(request, "referrals.form", "")
    return setup


@login_required
def officer_home(request):
    programs = program_access.programs_for(request.user).select_related("lead_agency").order_by("name")
    mine = Referral.objects.filter(officer=request.user)
    seconds = list(mine.order_by("-created_at").values_list("completion_seconds", flat=True)[:200])
    unread = OfficerNotice.objects.filter(officer=request.user, read_at__isnull=True).count()
    program = programs.first()
    return render(
        request,
        "referrals/officer_home.html",
        {
            "programs": programs,
            "can_refer": access.can_refer(request.user),
            "referral_count": mine.count(),
            "median_minutes": round(statistics.median(seconds) / 60, 1) if seconds else None,
            "baseline_minutes": program.booking_baseline_minutes if program else None,
            "unread": unread,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request):
    setup = _officer_setup(request)
    program = setup.program
    form = ReferralForm(request.POST or None, program=program, criteria=setup.criteria)
    if request.method == "POST":
        if form.is_valid():
            try:
                referral, _created = services.referral_submit(
                    officer=request.user,
                    program=program,
                    data=form.to_data(),
                    criteria=form.criteria,
                    agency_ids=setup.agency_ids,
                    request=request,
                )
            except ServiceError as refused:
                context = {"form": form, "program": program, "refused": refused.detail, "handoff_guide": HANDOFF_GUIDE}
                return refusal_response(request, refused, "referrals/referral_form.html", context)
            return redirect("referrals:done", pk=referral.pk)
        return render(
            request,
            "referrals/referral_form.html",
            {"form": form, "program": program, "handoff_guide": HANDOFF_GUIDE},
            status=400,
        )
    return render(request, "referrals/referral_form.html", {"form": form, "program": program, "handoff_guide": HANDOFF_GUIDE})


@login_required
def referral_done(request, pk):
    referral = access.get_referral_for_officer(request, pk)
    return render(
        request,
        "referrals/referral_done.html",
        {
            "referral": referral,
            "steps": referral.handoff_steps(),
            "warm": services.warm_handoff_available(referral),
            "minutes": round(referral.completion_seconds / 60, 1),
        },
    )


@login_required
def my_referrals(request):
    referrals = list(
        Referral.objects.filter(officer=request.user).select_related("provider").order_by("-created_at")[:MY_REFERRALS_PAGE]
    )
    rows = services.officer_referral_feed(officer=request.user, referrals=referrals, request=request)
    OfficerNotice.objects.filter(officer=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return render(
        request,
        "referrals/my_referrals.html",
        {"rows": rows, "any_disclosure": any(view.is_disclosure for _r, view in rows), "notice": REDISCLOSURE_NOTICE},
    )


@login_required
def queue(request):
    if not access.case_manager_agency_ids(request.user):
        raise program_access.deny(request, "referrals.queue", "")
    referrals = list(
        access.referrals_for_case_manager(request.user)
        .filter(status__in=Status.open_statuses())
        .select_related("participant", "program", "officer", "agency", "service", "next_step_owner")
        .order_by("created_at")
    )
    now = timezone.now()
    rows = [(r, r.is_overdue_for_contact(now)) for r in referrals]
    audit_log(action="queue.view", request=request, object_type="referrals.queue", detail={"rows": len(rows)})
    return render(request, "referrals/queue.html", {"rows": rows, "now": now})


def _owners(referral: Referral):
    return User.objects.filter(
        memberships__agency_id=referral.provider_id, memberships__role=Role.CASE_MANAGER, memberships__is_active=True
    ).order_by("last_name")


@login_required
@require_http_methods(["GET", "POST"])
def referral_detail(request, pk):
    referral = access.get_referral_for_case_manager(request, pk)
    services.referral_acknowledge(referral=referral, by=request.user, request=request)
    form = StatusForm(request.POST or None, owners=_owners(referral))
    if request.method == "POST":
        if form.is_valid():
            c = form.cleaned_data
            services.referral_set_status(
                referral=referral,
                by=request.user,
                status=c["status"],
                note=c["note"],
                next_step=c["next_step"],
                next_step_owner=c["next_step_owner"],
                next_step_due=c["next_step_due"],
                service_kind=c["service_kind"],
                request=request,
            )
            messages.success(request, "Status saved.")
            return redirect("referrals:detail", pk=referral.pk)
    else:
        audit_log(action="participant.view", request=request, obj=referral.participant, detail={"referral": referral.pk})
    history = StatusChange.objects.filter(referral=referral).select_related("by", "next_step_owner").order_by("at", "pk")
    tasks = FollowUpTask.objects.filter(referral=referral).select_related("assigned_to").order_by("due_at")
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "participant": referral.participant,
            "form": form,
            "history": history,
            "tasks": tasks,
            "task_form": TaskForm(),
            "overdue": referral.is_overdue_for_contact(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def task_add(request, pk):
    referral = access.get_referral_for_case_manager(request, pk)
    form = TaskForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The task needs a title and a due date.")
        return redirect("referrals:detail", pk=referral.pk)
    services.task_create(
        referral=referral,
        title=form.cleaned_data["title"],
        due_at=form.cleaned_data["due_at"],
        assigned_to=request.user,
        by=request.user,
    )
    messages.success(request, "Task added to your list.")
    return redirect("referrals:detail", pk=referral.pk)


@login_required
def my_tasks(request):
    tasks = (
        FollowUpTask.objects.filter(assigned_to=request.user, done_at__isnull=True).select_related("referral").order_by("due_at")
    )
    return render(request, "referrals/my_tasks.html", {"tasks": tasks, "now": timezone.now()})


@login_required
@require_POST
def task_done(request, pk):
    task = access.get_task_for_user(request, pk)
    services.task_complete(task=task, by=request.user)
    messages.success(request, "Task done.")
    return redirect("referrals:tasks")


@login_required
@require_http_methods(["GET", "POST"])
def participant_detail(request, pk):
    participant = access.get_participant_for_case_manager(request, pk)
    outcome_form = OutcomeForm(request.POST or None)
    if request.method == "POST":
        if outcome_form.is_valid():
            services.outcome_record(
                participant=participant,
                kind=outcome_form.cleaned_data["kind"],
                occurred_on=outcome_form.cleaned_data["occurred_on"],
                by=request.user,
                request=request,
            )
            messages.success(request, "Outcome recorded.")
            return redirect("referrals:participant", pk=participant.pk)
    else:
        audit_log(action="participant.view", request=request, obj=participant)
    referrals = participant.referrals.select_related("officer", "agency", "provider").order_by("created_at")
    consents = participant.consents.select_related("recipient_officer", "recipient_agency").order_by("-created_at")
    disclosures = AuditEvent.objects.filter(
        object_type="referrals.participant", object_id=str(participant.pk), action="disclosure"
    ).order_by("-at")[:200]
    return render(
        request,
        "referrals/participant_detail.html",
        {
            "participant": participant,
            "referrals": referrals,
            "consents": consents,
            "outcomes": participant.outcomes.order_by("-occurred_on"),
            "outcome_form": outcome_form,
            "duplicates": services.possible_duplicates(participant),
            "disclosures": disclosures,
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
        services.participants_merge(survivor=survivor, duplicate=duplicate, by=request.user, request=request)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("referrals:participant", pk=survivor.pk)
    messages.success(request, f"Merged P-{duplicate.pk} into P-{survivor.pk}; every referral was kept.")
    return redirect("referrals:participant", pk=survivor.pk)


@login_required
@require_http_methods(["GET", "POST"])
def consent_new(request, pk):
    referral = access.get_referral_for_case_manager(request, pk)
    form = ConsentForm(request.POST or None, referral=referral)
    if request.method == "POST" and form.is_valid():
        try:
            consent = services.consent_record(
                participant=referral.participant, witnessed_by=request.user, request=request, **form.consent_fields()
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
    if services.consent_revoke(consent=consent, by=request.user, request=request):
        messages.success(request, "Consent revoked. Nothing more is disclosed from now on.")
    return redirect("referrals:consent", pk=consent.pk)


@login_required
def directory(request):
    kind = request.GET.get("kind", "")
    open_only = request.GET.get("open") == "1"
    services_qs = access.services_for(request.user).select_related("agency", "capacity_updated_by")
    if kind in ServiceKind.values:
        services_qs = services_qs.filter(kind=kind)
    if open_only:
        services_qs = services_qs.filter(capacity_state=CapacityState.OPEN)
    rows = list(services_qs.order_by("kind", "agency__name", "name"))
    editable = access.case_manager_agency_ids(request.user)
    return render(
        request,
        "referrals/directory.html",
        {
            "rows": rows,
            "kinds": ServiceKind.choices,
            "kind": kind,
            "open_only": open_only,
            "editable": editable,
            "now": timezone.now(),
            "capacity_form": CapacityForm(),
        },
    )


@login_required
@require_POST
def capacity_update(request, pk):
    service = access.get_service_for_provider_staff(request, pk)
    form = CapacityForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
        return redirect("referrals:directory")
    services.capacity_update(
        service=service,
        by=request.user,
        state=form.cleaned_data["state"],
        open_slots=form.cleaned_data.get("open_slots"),
        request=request,
    )
    messages.success(request, f"Capacity of {service.name} updated.")
    return redirect("referrals:directory")


def _coordinated_program(request):
    program = program_access.programs_coordinated_by(request.user).order_by("pk").first()
    if program is None:
        raise program_access.deny(request, "referrals.coordination", "")
    return program


@login_required
def justice_queue(request):
    program = _coordinated_program(request)
    referrals = (
        Referral.objects.filter(program=program, needs_justice_coordination=True, justice_coordinated_at__isnull=True)
        .select_related("officer", "agency")
        .order_by("created_at")
    )
    inclusive = {str(c.pk): c.question for c in program.criteria.filter(kind=CriterionKind.INCLUSIVE)}
    rows = [(r, [q for cid, q in inclusive.items() if r.eligibility_answers.get(cid)]) for r in referrals]
    return render(request, "referrals/justice_queue.html", {"program": program, "rows": rows})


@login_required
@require_POST
def justice_done(request, pk):
    program = _coordinated_program(request)
    referral = program_access.get_object_for_user(request, Referral.objects.filter(program=program), pk, "referrals.referral")
    services.justice_mark_coordinated(referral=referral, by=request.user, request=request)
    messages.success(request, f"{referral.reference} marked as coordinated with the justice partner.")
    return redirect("referrals:justice")


@login_required
def failed_notice_emails(request):
    """Officer notice emails that failed after every retry, with a "send again" button for each."""
    program = _coordinated_program(request)
    notices = (
        OfficerNotice.objects.filter(referral__program=program, emailed_at__isnull=True, email_failed_at__isnull=False)
        .select_related("officer", "referral")
        .order_by("email_failed_at")
    )
    return render(request, "referrals/failed_emails.html", {"program": program, "notices": notices})


@login_required
@require_POST
def notice_email_resend(request, pk):
    program = _coordinated_program(request)
    notice = program_access.get_object_for_user(
        request, OfficerNotice.objects.filter(referral__program=program), pk, "referrals.officernotice"
    )
    services.officer_notice_email_resend(notice=notice, by=request.user, request=request)
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
        criterion.save()
        audit_log(action="criterion.create", request=request, obj=criterion)
        messages.success(request, "Eligibility item added.")
        return redirect("referrals:criteria")
    items = EligibilityCriterion.objects.filter(program=program).order_by("position", "pk")
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
    criterion = program_access.get_object_for_user(
        request, EligibilityCriterion.objects.filter(program=program), pk, "referrals.eligibilitycriterion"
    )
    form = CriterionForm(request.POST or None, instance=criterion, program=program)
    if request.method == "POST" and form.is_valid():
        criterion = form.save(commit=False)
        criterion.save(update_fields=form.changed_data or ["question"])
        audit_log(action="criterion.update", request=request, obj=criterion, detail={"fields": form.changed_data})
        messages.success(request, "Eligibility item saved.")
        return redirect("referrals:criteria")
    return render(
        request,
        "referrals/criterion_edit.html",
        {"form": form, "criterion": criterion},
        status=400 if form.errors else 200,
    )
