"""Training pages: a person's record, the catalog, sessions, roster, QR check-in, CSV import, compliance.

Views parse the request, call one access helper and one service, and render.
Times are shown in the program's time zone.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from deflection import access
from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError, refusal_response
from deflection.params import parse_ids
from training import access as training_access
from training import selectors, services
from training.forms import AttendanceImportForm, CourseForm, SessionForm
from training.qr import qr_svg

PEOPLE_PER_PAGE = 50


def _render_record(request, person, template_context: dict):
    records = selectors.training_record(person=person)
    program = records[0].program if records else None
    # Someone in no program has no records to show: the default (UTC) zone is as good as any.
    with timezone.override(program.tz if program else None):
        return render(request, "training/record.html", {"person": person, "records": records, **template_context})


@login_required
def my_training(request):
    """The signed-in person's own record, the sessions coming up, and the links their role needs."""
    user = request.user
    upcoming = selectors.upcoming_sessions(user=user)
    hosting = [s for s in upcoming if s.host_id == user.pk]
    context = {
        "is_own": True,
        "upcoming": upcoming,
        "hosting": hosting,
        "compliance_programs": training_access.programs_with_compliance_for(user),
        "coordinated_programs": list(access.programs_coordinated_by(user).order_by("name")),
        "member_programs": list(access.programs_for(user).order_by("name")),
    }
    return _render_record(request, user, context)


@login_required
def person_record(request, pk):
    person = training_access.get_person_for_user(request, pk)
    if person.pk != request.user.pk:
        audit_log(action="training.record.view", request=request, obj=person)
    return _render_record(request, person, {"is_own": person.pk == request.user.pk})


@login_required
def compliance_home(request):
    programs = training_access.programs_with_compliance_for(request.user)
    if len(programs) == 1:
        return redirect("training:compliance", program_pk=programs[0].pk)
    return render(request, "training/compliance_home.html", {"programs": programs})


@login_required
def compliance(request, program_pk):
    """Compliance for coordinators and command staff (whole program or agency); supervisors see their unit."""
    program, scope = training_access.get_program_for_compliance(request, program_pk)
    report = selectors.compliance_report(program=program, scope=scope)
    filters = {name: request.GET.get(name, "") for name in ("agency", "unit", "role", "status")}
    people = report.people_matching(
        agency=filters["agency"], unit=filters["unit"], role=filters["role"], needs_attention=filters["status"] == "attention"
    )
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    audit_log(action="training.compliance.view", request=request, obj=program, detail={"people": len(report.people)})
    return render(
        request,
        "training/compliance.html",
        {
            "program": program,
            "report": report,
            "page": page,
            "rows": [(p, [p.standings.get(c.pk) for c in report.courses]) for p in page.object_list],
            "filters": filters,
            "filter_query": query.urlencode(),
            "agencies": report.agency_choices(),
            "units": report.unit_choices(),
            "roles": report.role_choices(),
        },
    )


@login_required
def program_training(request, program_pk):
    """The program's course catalog and its sessions; coordinators get the edit links."""
    program = access.get_program_for_user(request, program_pk)
    is_coordinator = access.coordinates(request.user, program)
    courses = selectors.courses_with_next_session(program)
    if not is_coordinator:
        courses = [c for c in courses if c.is_active]
    with program.time_zone_override():
        return render(
            request,
            "training/program.html",
            {"program": program, "courses": courses, "is_coordinator": is_coordinator},
        )


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request, program_pk):
    program = access.get_program_for_coordinator(request, program_pk)
    form = CourseForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        course = services.course_create(
            program=program, data=form.cleaned_data, created_by=request.user, audit=AuditContext.from_request(request)
        )
        messages.success(request, f"Course “{course.title}” added.")
        return redirect("training:course", pk=course.pk)
    return render(request, "training/course_form.html", {"program": program, "form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request, pk):
    course = training_access.get_course_for_coordinator(request, pk)
    form = CourseForm(request.POST or None, instance=course, program=course.program)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        services.course_update(course=course, changes=changes, updated_by=request.user, audit=AuditContext.from_request(request))
        messages.success(request, "Course saved.")
        return redirect("training:course", pk=course.pk)
    return render(
        request,
        "training/course_form.html",
        {"program": course.program, "course": course, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def course_detail(request, pk):
    course = training_access.get_course_for_user(request, pk)
    program = course.program
    is_coordinator = access.coordinates(request.user, program)
    sessions = selectors.sessions_with_counts(
        course.sessions.select_related("host", "speaker_agency", "course__program")
    ).order_by("-starts_at")
    page = Paginator(sessions, 25).get_page(request.GET.get("page"))
    with program.time_zone_override():
        return render(
            request,
            "training/course_detail.html",
            {"course": course, "program": program, "page": page, "is_coordinator": is_coordinator, "now": timezone.now()},
        )


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request, course_pk):
    course = training_access.get_course_for_coordinator(request, course_pk)
    with course.program.time_zone_override():
        form = SessionForm(request.POST or None, course=course, initial={"capacity": 25})
        if request.method == "POST" and form.is_valid():
            session = services.session_create(
                course=course, data=form.cleaned_data, created_by=request.user, audit=AuditContext.from_request(request)
            )
            messages.success(request, "Session scheduled.")
            return redirect("training:session", pk=session.pk)
        return render(
            request,
            "training/session_form.html",
            {"course": course, "form": form},
            status=400 if form.errors else 200,
        )


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, pk):
    session = training_access.get_session_for_coordinator(request, pk)
    course = session.course
    with course.program.time_zone_override():
        # The form writes into the instance while validating; keep the stored values to diff against.
        before = {name: getattr(session, name) for name in SessionForm.Meta.fields}
        form = SessionForm(request.POST or None, instance=session, course=course)
        if request.method == "POST" and form.is_valid():
            changes = {name: form.cleaned_data[name] for name in before if form.cleaned_data[name] != before[name]}
            services.session_update(
                session=session, changes=changes, updated_by=request.user, audit=AuditContext.from_request(request)
            )
            messages.success(request, "Session saved.")
            return redirect("training:session", pk=session.pk)
        return render(
            request,
            "training/session_form.html",
            {"course": course, "session": session, "form": form},
            status=400 if form.errors else 200,
        )


@login_required
def session_detail(request, pk):
    """A session's details. Whoever runs it also sees the QR code to show and the attendance list."""
    session = training_access.get_session_for_user(request, pk)
    program = session.course.program
    is_coordinator = access.coordinates(request.user, program)
    runs_it = is_coordinator or session.host_id == request.user.pk
    attendees = selectors.session_attendees(session)
    context = {
        "session": session,
        "program": program,
        "runs_it": runs_it,
        "is_coordinator": is_coordinator,
        "attendee_count": len(attendees),
        "command_count": sum(a.is_command for a in attendees),
        "my_attendance": next((a for a in attendees if a.user_id == request.user.pk), None),
        "now": timezone.now(),
    }
    if runs_it:
        check_in_url = request.build_absolute_uri(
            reverse("training:check_in", kwargs={"token": services.check_in_token(session)})
        )
        context |= {
            "attendees": attendees,
            "check_in_url": check_in_url,
            "qr": qr_svg(check_in_url, label=f"QR code to check in to {session.course.title}"),
        }
    with program.time_zone_override():
        return render(request, "training/session_detail.html", context)


def _posted_ids(request, name: str) -> set[int]:
    ids = parse_ids(request.POST.getlist(name))
    if ids is None:
        raise ServiceError("The roster could not be read; reload the page and try again.")
    return ids


@login_required
@require_http_methods(["GET", "POST"])
def session_roster(request, pk):
    """The instructor's roster, made for a phone: search, tick who is here, save."""
    session = training_access.get_session_for_host(request, pk)
    query = request.GET.get("q", "")[:100]
    candidates, truncated = selectors.roster_candidates(session=session, query=query)
    error = None
    if request.method == "POST":
        try:
            result = services.roster_save(
                session=session,
                present_ids=_posted_ids(request, "present"),
                shown_ids=_posted_ids(request, "shown"),
                recorded_by=request.user,
                audit=AuditContext.from_request(request),
            )
        except ServiceError as exc:
            error = exc
        else:
            messages.success(request, f"Roster saved: {result.added} added, {result.removed} removed.")
            url = reverse("training:roster", kwargs={"pk": session.pk})
            return redirect(f"{url}?q={query}" if query else url)
    present_ids = set(session.attendances.values_list("user_id", flat=True))
    context = {
        "session": session,
        "candidates": candidates,
        "truncated": truncated,
        "query": query,
        "present_ids": present_ids,
        "present_count": len(present_ids),
    }
    with session.course.program.time_zone_override():
        if error is not None:
            return refusal_response(request, error, "training/roster.html", context)
        return render(request, "training/roster.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request, token):
    """Where a session's QR code leads: confirm, then check in (a GET never records anything)."""
    session_id = services.session_id_from_token(token)
    if session_id is None:
        audit_log(action="training.check_in.bad_token", request=request, outcome="denied")
        return render(request, "training/check_in_invalid.html", status=404)
    session = training_access.get_session_for_user(request, session_id)
    error = None
    if request.method == "POST":
        try:
            services.attendance_check_in(session=session, user=request.user, audit=AuditContext.from_request(request))
        except ServiceError as exc:
            error = exc
        else:
            messages.success(request, f"You are checked in to “{session.course.title}”. Your training record is updated.")
            return redirect("training:mine")
    already = session.attendances.filter(user=request.user).first()
    now = timezone.now()
    context = {
        "session": session,
        "already": already,
        "open": session.check_in_open(now),
        "not_yet": now < session.check_in_opens_at(),
        "token": token,
    }
    with session.course.program.time_zone_override():
        if error is not None:
            return refusal_response(request, error, "training/check_in.html", context)
        return render(request, "training/check_in.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def attendance_import(request, program_pk):
    program = access.get_program_for_coordinator(request, program_pk)
    form = AttendanceImportForm(request.POST, request.FILES) if request.method == "POST" else AttendanceImportForm()
    result, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = services.attendance_import_csv(
                    program=program,
                    data=form.cleaned_data["file"].read(),
                    imported_by=request.user,
                    audit=AuditContext.from_request(request),
                )
            except ServiceError as exc:
                # the whole file is unusable: shown above the form, not as a mistake in the file field
                context = {"program": program, "form": form, "result": None}
                return refusal_response(request, exc, "training/import.html", context)
            else:
                status = 400 if result.errors else 200
        else:
            status = 400
    return render(
        request,
        "training/import.html",
        {"program": program, "form": form, "result": result},
        status=status,
    )


@login_required
def certificate(request, pk):
    attendance = training_access.get_attendance_for_user(request, pk)
    pdf = services.certificate_pdf(attendance=attendance, requested_by=request.user, audit=AuditContext.from_request(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="training-certificate-{attendance.pk}.pdf"'
    return response
