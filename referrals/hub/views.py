"""HUB pages: thin views behind referrals.hub.access, calling one service each.

Every page is rendered in the program's time zone. Each action (decide, share identity, record the
intervention, close) is its own small page, so it works on a phone and a refusal re-renders its form.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from deflection import access as program_access
from deflection.audit import AuditContext
from deflection.errors import ServiceError, refusal_response
from deflection.models import ProgramType
from deflection.suppression import suppression_note
from referrals.hub import access, selectors, services
from referrals.hub.forms import (
    CloseForm,
    DecisionForm,
    IdentityForm,
    InterventionForm,
    MeetingForm,
    MeetingRecordForm,
    PresentForm,
    TableForm,
)
from referrals.hub.models import HubMeeting, SituationStatus

ACTION_TEMPLATE = "hub/action_form.html"


def _posted(request):
    """The POST data, even an empty one (`request.POST or None` would treat an empty POST as a GET)."""
    return request.POST if request.method == "POST" else None


def _status(form) -> int:
    return 400 if form.errors else 200


def _action(request, form, *, title: str, button: str, back: str, intro: str = "", danger: bool = False, status=None):
    context = {"form": form, "title": title, "button": button, "back": back, "intro": intro, "danger": danger}
    return render(request, ACTION_TEMPLATE, context, status=status or _status(form))


@login_required
def home(request):
    tables = access.tables_for(request.user).select_related("program").order_by("program__name", "name")
    chaired = program_access.programs_coordinated_by(request.user) & access.programs_running_hub()
    return render(request, "hub/home.html", {"tables": tables, "chaired_programs": chaired.order_by("name")})


@login_required
@require_http_methods(["GET", "POST"])
def table_new(request, program_pk):
    program = program_access.get_program_for_coordinator(request, program_pk)
    if not program.runs(ProgramType.HUB):
        raise program_access.deny(request, "deflection.program", program.pk)
    form = TableForm(_posted(request), program=program)
    if request.method == "POST" and form.is_valid():
        try:
            table = services.table_create(
                program=program,
                name=form.cleaned_data["name"],
                meets=form.cleaned_data["meets"],
                member_agencies=form.cleaned_data["member_agencies"],
                audit=AuditContext.from_request(request),
            )
        except ServiceError as error:
            return refusal_response(
                request,
                error,
                ACTION_TEMPLATE,
                _form_context(form, "New situation table", "Create the table", reverse("hub:home")),
                form=form,
            )
        return redirect("hub:table", pk=table.pk)
    return _action(
        request, form, title=f"New situation table for {program.name}", button="Create the table", back=reverse("hub:home")
    )


def _form_context(form, title, button, back) -> dict:
    return {"form": form, "title": title, "button": button, "back": back, "intro": "", "danger": False}


@login_required
def table_detail(request, pk):
    table = access.get_table_for_user(request, pk)
    with table.program.time_zone_override():
        return render(
            request,
            "hub/table.html",
            {
                "table": table,
                "members": table.member_agencies.order_by("name"),
                "situations": selectors.open_situations(table),
                "meetings": selectors.recent_meetings(table),
                "is_chair": access.chairs(request.user, table),
                "may_present": bool(access.table_agency_ids_for(request.user, table)),
            },
        )


@login_required
@require_http_methods(["GET", "POST"])
def table_members(request, pk):
    table = access.get_table_for_user(request, pk)
    if not access.chairs(request.user, table):
        raise program_access.deny(request, "hub.hubtable", table.pk)
    initial = {"name": table.name, "meets": table.meets, "member_agencies": list(table.member_agencies.all())}
    form = TableForm(_posted(request), program=table.program, initial=initial)
    form.fields["name"].disabled = True
    form.fields["meets"].disabled = True
    if request.method == "POST" and form.is_valid():
        services.table_update_members(
            table=table, member_agencies=form.cleaned_data["member_agencies"], audit=AuditContext.from_request(request)
        )
        messages.success(request, "Member agencies saved.")
        return redirect("hub:table", pk=table.pk)
    return _action(
        request, form, title=f"Member agencies of {table.name}", button="Save", back=reverse("hub:table", args=[table.pk])
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request, pk):
    table = access.get_table_for_user(request, pk)
    if not access.chairs(request.user, table):
        raise program_access.deny(request, "hub.hubtable", table.pk)
    with table.program.time_zone_override():
        form = MeetingForm(_posted(request), table=table)
        if request.method == "POST" and form.is_valid():
            meeting = services.meeting_schedule(
                table=table,
                starts_at=form.cleaned_data["starts_at"],
                agenda=form.cleaned_data["agenda"],
                audit=AuditContext.from_request(request),
            )
            return redirect("hub:meeting", pk=meeting.pk)
        return _action(
            request,
            form,
            title=f"Schedule a meeting of {table.name}",
            button="Schedule",
            back=reverse("hub:table", args=[table.pk]),
        )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_detail(request, pk):
    meeting = access.get_meeting_for_user(request, pk)
    table = meeting.table
    is_chair = access.chairs(request.user, table)
    if request.method == "POST" and not is_chair:
        raise program_access.deny(request, "hub.hubmeeting", meeting.pk)
    initial = {"agenda": meeting.agenda, "minutes": meeting.minutes, "attended_by": list(meeting.attended_by.all())}
    form = MeetingRecordForm(_posted(request), meeting=meeting, initial=initial) if is_chair else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.meeting_record(
                meeting=meeting,
                attended_by=form.cleaned_data["attended_by"],
                agenda=form.cleaned_data["agenda"],
                minutes=form.cleaned_data["minutes"],
                audit=AuditContext.from_request(request),
            )
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Attendance and minutes saved.")
            return redirect("hub:meeting", pk=meeting.pk)
    with table.program.time_zone_override():
        return render(
            request,
            "hub/meeting.html",
            {
                "meeting": meeting,
                "table": table,
                "situations": selectors.meeting_situations(meeting),
                "attended": meeting.attended_by.order_by("name"),
                "form": form,
            },
            status=_status(form) if form is not None else 200,
        )


@login_required
@require_http_methods(["GET", "POST"])
def situation_new(request, pk):
    table = access.get_table_for_user(request, pk)
    agency_ids = access.table_agency_ids_for(request.user, table)
    if not agency_ids:
        raise program_access.deny(request, "hub.hubtable", table.pk)
    meetings = HubMeeting.objects.filter(table=table).order_by("-starts_at")
    with table.program.time_zone_override():
        form = PresentForm(_posted(request), table=table, meetings=meetings, presenting_agency_ids=agency_ids)
        if request.method == "POST" and form.is_valid():
            try:
                situation = services.situation_present(
                    meeting=form.cleaned_data["meeting"],
                    presenting_agency=form.cleaned_data["presenting_agency"],
                    risk_factors=form.cleaned_data["risk_factors"],
                    age_group=form.cleaned_data["age_group"],
                    lead_agency=form.cleaned_data["lead_agency"],
                    audit=AuditContext.from_request(request),
                )
            except ServiceError as error:
                return refusal_response(
                    request,
                    error,
                    ACTION_TEMPLATE,
                    _form_context(form, "Present a situation", "Present", reverse("hub:table", args=[table.pk])),
                    form=form,
                )
            messages.success(request, f"Situation {situation.reference} presented. No one's identity is shared.")
            return redirect("hub:situation", pk=situation.pk)
        return _action(
            request,
            form,
            title=f"Present a situation to {table.name}",
            intro="The table first hears the risk factors only. Give no name: identity is shared after the table "
            "decides the risk is acute and elevated, and only with the agencies it assigns.",
            button="Present",
            back=reverse("hub:table", args=[table.pk]),
        )


@login_required
def situation_detail(request, pk):
    situation = access.get_situation_for_user(request, pk)
    user = request.user
    with situation.table.program.time_zone_override():
        return render(
            request,
            "hub/situation.html",
            {
                "situation": situation,
                "assignments": situation.assignments.select_related("agency").order_by("role", "agency__name"),
                "is_chair": access.chairs(user, situation.table),
                "may_see_identity": access.may_see_identity(user, situation),
                "identity_shared": selectors.identity_shared(situation),
                "presents": situation.presenting_agency_id in access.representative_agency_ids(user),
                "leads": access.leads(user, situation),
                "overdue": situation.intervention_overdue(),
                "Status": SituationStatus,
            },
        )


@login_required
@require_http_methods(["GET", "POST"])
def situation_decide(request, pk):
    situation = access.get_situation_for_user(request, pk)
    if not access.chairs(request.user, situation.table):
        raise program_access.deny(request, "hub.situation", situation.pk)
    form = DecisionForm(_posted(request), situation=situation)
    title = f"The table's decision on {situation.reference}"
    if request.method == "POST" and form.is_valid():
        try:
            services.situation_decide(
                situation=situation,
                acute=form.cleaned_data["decision"] == "acute",
                lead_agency=form.cleaned_data["lead_agency"],
                assisting_agencies=form.cleaned_data["assisting_agencies"],
                audit=AuditContext.from_request(request),
            )
        except ServiceError as error:
            return refusal_response(
                request,
                error,
                ACTION_TEMPLATE,
                _form_context(form, title, "Record the decision", reverse("hub:situation", args=[situation.pk])),
                form=form,
            )
        return redirect("hub:situation", pk=situation.pk)
    return _action(request, form, title=title, button="Record the decision", back=reverse("hub:situation", args=[situation.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def identity_share(request, pk):
    situation = access.get_situation_for_user(request, pk)
    if situation.presenting_agency_id not in access.representative_agency_ids(request.user):
        raise program_access.deny(request, "hub.situation", situation.pk)
    form = IdentityForm(_posted(request))
    title = f"Share who {situation.reference} is about"
    intro = "Only the lead and assisting agencies will see this, and every time they open it is recorded."
    if request.method == "POST" and form.is_valid():
        try:
            services.identity_share(situation=situation, **form.cleaned_data, audit=AuditContext.from_request(request))
        except ServiceError as error:
            context = _form_context(
                form, title, "Share with the assigned agencies", reverse("hub:situation", args=[situation.pk])
            )
            return refusal_response(request, error, ACTION_TEMPLATE, context)
        messages.success(request, "Identity shared with the assigned agencies.")
        return redirect("hub:situation", pk=situation.pk)
    if not situation.met_threshold:
        # Refuse the page itself too, so no one types a name the service would not keep.
        error = ServiceError("Identity is shared only after the table decides the risk is acute and elevated.", status=409)
        return refusal_response(
            request, error, ACTION_TEMPLATE, _form_context(None, title, "", reverse("hub:situation", args=[situation.pk]))
        )
    return _action(
        request,
        form,
        title=title,
        intro=intro,
        button="Share with the assigned agencies",
        back=reverse("hub:situation", args=[situation.pk]),
    )


@login_required
def identity_reveal(request, pk):
    situation = access.get_situation_identity_for_user(request, pk)
    identity = services.identity_reveal(situation=situation, audit=AuditContext.from_request(request))
    with situation.table.program.time_zone_override():
        return render(request, "hub/identity.html", {"situation": situation, "identity": identity})


@login_required
@require_http_methods(["GET", "POST"])
def intervention(request, pk):
    situation = access.get_situation_for_user(request, pk)
    if not access.leads(request.user, situation):
        raise program_access.deny(request, "hub.situation", situation.pk)
    form = InterventionForm(_posted(request), situation=situation)
    title = f"Intervention agreed for {situation.reference}"
    if request.method == "POST" and form.is_valid():
        try:
            services.intervention_record(
                situation=situation, took_part=form.cleaned_data["took_part"], audit=AuditContext.from_request(request)
            )
        except ServiceError as error:
            return refusal_response(
                request,
                error,
                ACTION_TEMPLATE,
                _form_context(form, title, "Record", reverse("hub:situation", args=[situation.pk])),
                form=form,
            )
        return redirect("hub:situation", pk=situation.pk)
    return _action(request, form, title=title, button="Record", back=reverse("hub:situation", args=[situation.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def situation_close(request, pk):
    situation = access.get_situation_for_user(request, pk)
    if not access.leads(request.user, situation):
        raise program_access.deny(request, "hub.situation", situation.pk)
    form = CloseForm(_posted(request))
    title = f"Close {situation.reference}"
    if request.method == "POST" and form.is_valid():
        try:
            services.situation_close(
                situation=situation, reason=form.cleaned_data["reason"], audit=AuditContext.from_request(request)
            )
        except ServiceError as error:
            return refusal_response(
                request,
                error,
                ACTION_TEMPLATE,
                _form_context(form, title, "Close", reverse("hub:situation", args=[situation.pk])),
                form=form,
            )
        return redirect("hub:situation", pk=situation.pk)
    return _action(request, form, title=title, button="Close", back=reverse("hub:situation", args=[situation.pk]))


@login_required
def figures(request, pk):
    table = access.get_table_for_user(request, pk)
    figures = selectors.table_figures(table)
    return render(request, "hub/figures.html", {"table": table, "figures": figures, "note": suppression_note(figures.threshold)})
