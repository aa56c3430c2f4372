"""Walk-in pages. Thin: parse, one access helper, one service, render."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from deflection.access import deny
from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError, refusal_response
from deflection.models import User
from referrals.services import INELIGIBLE
from referrals.walkin import access, figures, selectors, services
from referrals.walkin.forms import CloseForm, IntakeForm, PlacementForm, VolunteerForm, WalkInSettingsForm, parse_year
from referrals.walkin.models import WalkInSettings, WalkInVolunteer


def _intake_form(request, programs):
    membership_units = [m.unit_id for m in request.user.active_memberships() if m.unit_id]
    program = programs[0]
    return IntakeForm(
        request.POST or None,
        programs=programs,
        stations=selectors.stations_for(program),
        unit_initial=membership_units[0] if membership_units else None,
        initial={"idempotency_key": uuid.uuid4()},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def start(request):
    programs = access.programs_for_intake(request.user)
    program_list = list(programs)
    if not program_list:
        raise deny(request, "walkin.start", "")
    form = _intake_form(request, programs)
    program = program_list[0]
    context = {
        "form": form,
        "program": program,
        "promise": WalkInSettings.for_program(program).promise,
        "recent": selectors.started_by(request.user),
    }
    with program.time_zone_override():
        if request.method == "GET":
            return render(request, "walkin/start.html", context)
        if not form.is_valid():
            return render(request, "walkin/start.html", context, status=400)
        try:
            walkin, _created = services.walkin_start(
                program=form.cleaned_data["program"],
                by=request.user,
                data=form.to_data(),
                audit=AuditContext.from_request(request),
            )
        except ServiceError as refused:
            return refusal_response(request, refused, "walkin/start.html", context, form=form)
    return redirect("walkin:detail", pk=walkin.pk)


@never_cache
@login_required
def board(request):
    access.board_allowed(request)
    program_ids = list(access.programs_for_volunteer(request.user).values_list("pk", flat=True))
    coordinated = list(access.running(access.programs_coordinated_by(request.user)).order_by("name"))
    context = {
        "open": selectors.open_walkins(program_ids),
        "finished": selectors.recently_finished(program_ids),
        "unread": selectors.unread_walkin_ids(request.user),
        "volunteering": bool(program_ids),
        "coordinated": coordinated,
    }
    return render(request, "walkin/board.html", context)


def _detail_context(request, walkin, *, place_form=None, close_form=None) -> dict:
    program = walkin.program
    can_work = services.may_work(request.user, program)
    if can_work and place_form is None and walkin.is_open:
        criteria = list(program.criteria.filter(is_active=True).order_by("position", "pk"))
        place_form = PlacementForm(program=program, services=selectors.placement_services(program), criteria=criteria)
    return {
        "walkin": walkin,
        "program": program,
        "promise": WalkInSettings.for_program(program).promise,
        "can_work": can_work,
        "place_form": place_form,
        "close_form": close_form or CloseForm(),
    }


@never_cache
@login_required
def detail(request, pk):
    walkin = access.get_walkin(request, pk)
    services.walkin_notices_mark_read(walkin=walkin, user=request.user)
    # The person's name is identity: each view of it is audited.
    audit_log(action="walkin.view", request=request, obj=walkin.participant, detail={"walkin": walkin.pk})
    with walkin.program.time_zone_override():
        return render(request, "walkin/detail.html", _detail_context(request, walkin))


@login_required
@require_POST
def accept(request, pk):
    walkin = access.get_walkin(request, pk)
    try:
        services.walkin_accept(walkin=walkin, by=request.user, audit=AuditContext.from_request(request))
    except ServiceError as refused:
        with walkin.program.time_zone_override():
            return refusal_response(request, refused, "walkin/detail.html", _detail_context(request, walkin))
    messages.success(request, "You have this walk-in. Stay with the person until they are placed.")
    return redirect("walkin:detail", pk=walkin.pk)


@login_required
@require_POST
def place(request, pk):
    walkin = access.get_walkin(request, pk)
    program = walkin.program
    criteria = list(program.criteria.filter(is_active=True).order_by("position", "pk"))
    form = PlacementForm(request.POST, program=program, services=selectors.placement_services(program), criteria=criteria)
    with program.time_zone_override():
        if not form.is_valid():
            return render(request, "walkin/detail.html", _detail_context(request, walkin, place_form=form), status=400)
        try:
            services.walkin_place(walkin=walkin, by=request.user, data=form.to_data(), audit=AuditContext.from_request(request))
        except ServiceError as refused:
            context = _detail_context(request, walkin, place_form=form)
            if refused.code == INELIGIBLE:
                context["refused"] = refused.detail
            return refusal_response(request, refused, "walkin/detail.html", context, form=form)
    messages.success(request, f"Placed after {walkin.minutes_to_placement} minutes.")
    return redirect("walkin:detail", pk=walkin.pk)


@login_required
@require_POST
def close(request, pk):
    walkin = access.get_walkin(request, pk)
    form = CloseForm(request.POST)
    with walkin.program.time_zone_override():
        if not form.is_valid():
            return render(request, "walkin/detail.html", _detail_context(request, walkin, close_form=form), status=400)
        try:
            services.walkin_close(
                walkin=walkin, by=request.user, reason=form.cleaned_data["reason"], audit=AuditContext.from_request(request)
            )
        except ServiceError as refused:
            return refusal_response(request, refused, "walkin/detail.html", _detail_context(request, walkin, close_form=form))
    messages.success(request, "Walk-in closed.")
    return redirect("walkin:detail", pk=walkin.pk)


@login_required
def figures_page(request):
    program = access.program_for_figures(request)
    year = parse_year(request.GET.get("year"), program.today().year)
    if year is None:
        return HttpResponseBadRequest("Choose a year as YYYY, for example 2026.")
    table = figures.year_figures(program, year)
    audit_log(action="walkin.figures.view", request=request, obj=program, detail={"year": year})
    return render(request, "walkin/figures.html", {"program": program, "table": table, "previous": year - 1})


def _eligible_or_listed(program):
    listed = WalkInVolunteer.objects.filter(program=program).values("user_id")
    return User.objects.filter(pk__in=services.volunteer_member_ids(program)) | User.objects.filter(pk__in=listed)


@login_required
@require_http_methods(["GET", "POST"])
def walkin_settings(request, program_pk):
    program = access.get_program_for_coordinator(request, program_pk)
    form = WalkInSettingsForm(request.POST or None, instance=WalkInSettings.for_program(program))
    if request.method == "POST":
        if form.is_valid():
            services.settings_save(
                settings_row=form.save(commit=False), by=request.user, audit=AuditContext.from_request(request)
            )
            messages.success(request, "Walk-in settings saved.")
            return redirect("walkin:settings", program_pk=program.pk)
        return render(request, "walkin/settings.html", _settings_context(program, form), status=400)
    return render(request, "walkin/settings.html", _settings_context(program, form))


def _settings_context(program, form, volunteer_form=None) -> dict:
    return {
        "program": program,
        "form": form,
        "volunteer_form": volunteer_form or VolunteerForm(eligible=selectors.eligible_volunteers(program)),
        "volunteers": selectors.volunteers(program),
    }


@login_required
@require_POST
def volunteer_set(request, program_pk):
    program = access.get_program_for_coordinator(request, program_pk)
    volunteer_form = VolunteerForm(request.POST, eligible=_eligible_or_listed(program).order_by("pk").distinct())
    settings_form = WalkInSettingsForm(instance=WalkInSettings.for_program(program))
    if not volunteer_form.is_valid():
        return render(request, "walkin/settings.html", _settings_context(program, settings_form, volunteer_form), status=400)
    try:
        services.volunteer_set(
            program=program,
            user=volunteer_form.cleaned_data["user"],
            state=volunteer_form.cleaned_data["state"],
            by=request.user,
            audit=AuditContext.from_request(request),
        )
    except ServiceError as refused:
        context = _settings_context(program, settings_form, volunteer_form)
        return refusal_response(request, refused, "walkin/settings.html", context, form=volunteer_form)
    messages.success(request, "Volunteer list updated.")
    return redirect("walkin:settings", program_pk=program.pk)
