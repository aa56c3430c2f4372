"""Officers' pages (the referral form, My referrals), the case manager's worklist, referral page and tasks, and the
directory. Participant and consent pages are in participant_views.py, coordinators' in coordination_views.py.
Thin: parse, check, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from deflection import access as program_access
from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError, refusal_response
from referrals import access, selectors, services, worklist
from referrals.clocks import engine
from referrals.disclosure import REDISCLOSURE_NOTICE
from referrals.forms import (
    CapacityForm,
    ReferralForm,
    StatusForm,
    TaskForm,
)
from referrals.models import (
    HANDOFF_STEPS,
    Handoff,
    ServiceKind,
    TransitionNotAllowed,
)
from referrals.search import ReferralSearch
from referrals.setup import ReferralSetup, setup_for

MY_REFERRALS_PAGE = 25  # cards a page, as on the worklist
# (value, label, steps) for each hand-off, in the form's order.
HANDOFF_GUIDE = [(h.value, h.label, HANDOFF_STEPS[h]) for h in Handoff]


def _officer_setup(request) -> ReferralSetup:
    setup = setup_for(request.user) if access.can_refer(request.user) else None
    if setup is None:
        raise program_access.deny(request, "referrals.form", "")
    return setup


@login_required
@never_cache  # the unread count follows consent: a revoked consent must not linger in a cached page
def officer_home(request):
    programs = program_access.programs_for(request.user).select_related("lead_agency").order_by("name")
    home = selectors.officer_home(request.user)
    program = programs.first()
    return render(
        request,
        "referrals/officer_home.html",
        {
            "programs": programs,
            "can_refer": access.can_refer(request.user),
            "referral_count": home.referral_count,
            "median_minutes": home.median_minutes,
            "baseline_minutes": program.booking_baseline_minutes if program else None,
            "unread": home.unread,
        },
    )


def _signed_out_send(request):
    """The session ended mid-form: say that nothing was sent, and come back to send the kept draft."""
    if request.method == "POST":
        messages.warning(
            request,
            "You were signed out, so your referral was not sent. Your draft is safe in this tab: sign in and it will be sent.",
        )
        return redirect_to_login(reverse("referrals:new") + "?send=1")
    return redirect_to_login(request.get_full_path())


def _form_page(request, form, program, status=200, **extra):
    context = {"form": form, "program": program, "handoff_guide": HANDOFF_GUIDE, **extra}
    return render(request, "referrals/referral_form.html", context, status=status)


@never_cache  # SECURITY.md 29; and Back re-fetches the form rather than showing a sent one
@require_http_methods(["GET", "POST"])
def referral_new(request):
    if not request.user.is_authenticated:
        return _signed_out_send(request)
    setup = _officer_setup(request)
    program = setup.program
    form = ReferralForm(request.POST or None, program=program, criteria=setup.criteria)
    if request.method == "GET":
        return _form_page(request, form, program)
    if not form.is_valid():
        return _form_page(request, form, program, status=400)
    try:
        referral, _created = services.referral_submit(
            officer=request.user,
            program=program,
            data=form.to_data(),
            criteria=form.criteria,
            agency_ids=setup.agency_ids,
            check_repeat=True,  # the web form asks; the API (no one to ask) does not
            audit=AuditContext.from_request(request),
        )
    except ServiceError as refused:
        if refused.code == services.WARM_HANDOFF_UNAVAILABLE:
            form.add_error("service", refused.message)  # beside the choice, with the alternatives named
            return _form_page(request, form, program, status=refused.status)
        if refused.code == services.POSSIBLE_REPEAT:
            earlier = refused.detail
            return _form_page(
                request,
                form,
                program,
                status=refused.status,
                duplicate=earlier,
                duplicate_initials=earlier.participant.initials,
                duplicate_time=f"{program.localtime(earlier.created_at):%H:%M}",
            )
        context = {"form": form, "program": program, "refused": refused.detail, "handoff_guide": HANDOFF_GUIDE}
        return refusal_response(request, refused, "referrals/referral_form.html", context)
    return redirect("referrals:done", pk=referral.pk)


@never_cache
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
            "took": referral.completion_label,
        },
    )


@login_required
@never_cache  # consented statuses: revocation reaches the next view, including the back button
def my_referrals(request):
    """The officer's referrals, newest first, a page at a time; what each says of the person's progress
    is decided by the consent gate (referrals/disclosure.py) inside `officer_referral_feed`."""
    search = ReferralSearch.from_query(request.GET)
    page = Paginator(selectors.officer_referrals(request.user, search), MY_REFERRALS_PAGE).get_page(request.GET.get("page"))
    audit = AuditContext.from_request(request)
    rows = services.officer_referral_feed(officer=request.user, referrals=list(page.object_list), audit=audit)
    # The cards show initials, read from the encrypted names: an identity read, recorded without names.
    audit_log(
        action="referrals.mine.view",
        context=audit,
        object_type="referrals.referral",
        detail={"rows": len(rows), "page": page.number, "search": search.kind},
    )
    services.officer_notices_mark_read(officer=request.user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/my_referrals.html",
        {
            "rows": rows,
            "page": page,
            "search": search,
            "query": query.urlencode(),
            "any_disclosure": any(view.is_disclosure for _r, view in rows),
            "notice": REDISCLOSURE_NOTICE,
            "can_refer": access.can_refer(request.user),
        },
    )


@login_required
def queue(request):
    """The case manager's worklist: needs action now first, then everything else (referrals/worklist.py)."""
    agency_ids = access.case_manager_agency_ids(request.user)
    if not agency_ids:
        raise program_access.deny(request, "referrals.queue", "")
    filters = worklist.WorklistFilters.from_query(request.GET)
    programs = list(program_access.programs_for(request.user).order_by("pk"))
    page = worklist.worklist(
        request.user, access.referrals_for_case_manager(request.user), programs, filters, request.GET.get("page", 1)
    )
    now = timezone.now()
    rows = [(r, worklist.row_flags(r, now)) for r in page.object_list]
    audit_log(action="queue.view", request=request, object_type="referrals.queue", detail={"rows": len(rows)})
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/queue.html",
        {
            "rows": rows,
            "page": page,
            "now": now,
            "filters": filters,
            "query": query.urlencode(),
            "options": selectors.worklist_options(agency_ids, programs),
            "status_groups": [(k, label) for k, (label, _s) in worklist.STATUS_GROUPS.items()],
            "unread_escalations": engine.unread_count(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_detail(request, pk):
    referral = access.get_referral_for_case_manager(request, pk)
    services.referral_acknowledge(referral=referral, by=request.user, audit=AuditContext.from_request(request))
    owners = selectors.case_owners(referral)
    form = StatusForm(request.POST or None, owners=owners, referral=referral)
    if request.method == "POST":
        if form.is_valid():
            c = form.cleaned_data
            try:
                if form.target_status:
                    services.referral_set_status(
                        referral=referral,
                        by=request.user,
                        status=form.target_status,
                        correction=form.is_correction,
                        note=c["note"],
                        next_step=c["next_step"],
                        next_step_owner=c["next_step_owner"],
                        next_step_due=c["next_step_due"],
                        service_kind=c["service_kind"],
                        audit=AuditContext.from_request(request),
                    )
                    messages.success(request, "Status corrected." if form.is_correction else "Status saved.")
                else:
                    services.referral_set_next_step(
                        referral=referral,
                        by=request.user,
                        next_step=c["next_step"],
                        next_step_owner=c["next_step_owner"],
                        next_step_due=c["next_step_due"],
                        audit=AuditContext.from_request(request),
                    )
                    messages.success(request, "Next step saved; the status is unchanged.")
            except TransitionNotAllowed as refused:
                form.add_error(None, str(refused))
            else:
                return redirect("referrals:detail", pk=referral.pk)
    else:
        audit_log(action="participant.view", request=request, obj=referral.participant, detail={"referral": referral.pk})
    history = selectors.referral_history(referral)
    tasks = selectors.referral_tasks(referral)
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
            "owners": owners,
            "overdue": referral.is_overdue_for_contact(),
            "next_step_overdue": referral.next_step_is_overdue(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def task_add(request, pk):
    referral = access.get_referral_for_case_manager(request, pk)
    form = TaskForm(request.POST)
    if not form.is_valid():
        # A 400 with the errors next to the fields, not a redirect that loses what was typed.
        return render(request, "referrals/task_form.html", {"referral": referral, "form": form}, status=400)
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
    return render(request, "referrals/my_tasks.html", {"tasks": selectors.open_tasks(request.user), "now": timezone.now()})


@login_required
@require_POST
def task_done(request, pk):
    task = access.get_task_for_user(request, pk)
    services.task_complete(task=task, by=request.user)
    messages.success(request, "Task done.")
    return redirect("referrals:tasks")


@login_required
def directory(request):
    kind = request.GET.get("kind", "")
    open_only = request.GET.get("open") == "1"
    rows = selectors.directory_services(request.user, kind=kind if kind in ServiceKind.values else "", open_only=open_only)
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
        return render(request, "referrals/capacity_form.html", {"service": service, "form": form}, status=400)
    services.capacity_update(
        service=service,
        by=request.user,
        state=form.cleaned_data["state"],
        open_slots=form.cleaned_data.get("open_slots"),
        audit=AuditContext.from_request(request),
    )
    messages.success(request, f"Capacity of {service.name} updated.")
    return redirect("referrals:directory")
