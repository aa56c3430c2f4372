"""Report pages: dashboard, leaderboard, commendations, evaluation sheets, newsletters, federal export."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from deflection import access as program_access
from deflection.audit import AuditContext, audit_log
from deflection.csvcells import safe_writer
from deflection.outbox import enqueue
from deflection.pdf import render_pdf
from deflection.sessions import passive_session
from reports import access, exports, services, state
from reports.commendations import commendations_for_officer, commendations_for_program
from reports.dashboard import dashboard_report
from reports.evaluation import evaluation_sheet as build_evaluation_sheet
from reports.forms import CommendationForm, QuarterlyEditionForm, RecipientListForm, SendForm, parse_int
from reports.leaderboard import leaderboard as build_leaderboard
from reports.models import NewsletterKind, NewsletterSend, NewsletterStatus
from reports.newsletter import newsletter_editions
from reports.pages import program_agencies
from reports.periods import BadPeriod, Period, PeriodKind, last_complete_quarter, period_choices, period_from_query

LEADERBOARD_ROWS = 50


def _keep(request, names: tuple[str, ...]) -> dict:
    """The other filters of a page, for its previous/next links and custom-range form."""
    pairs = [(name, request.GET[name][:20]) for name in names if request.GET.get(name)]
    return {"keep": "&" + urlencode(pairs) if pairs else "", "keep_fields": pairs}


def _bad_period(request, error: BadPeriod, program=None):
    return render(request, "reports/bad_period.html", {"message": str(error), "program": program}, status=400)


def _program_picker(request, programs, url_name: str, title: str):
    programs = list(programs.order_by("name"))
    if len(programs) == 1:
        return redirect(url_name, program_pk=programs[0].pk)
    return render(request, "reports/pick_program.html", {"programs": programs, "url_name": url_name, "title": title})


# Dashboard ----------------------------------------------------------------------------------------


@login_required
def dashboard(request):
    """The home page of supervisors and command staff: their program's dashboard (or a choice of programs)."""
    programs = list(access.dashboard_programs(request.user).order_by("name")[:50])
    if not programs:
        raise program_access.deny(request, "reports.dashboard", "")
    if len(programs) == 1:
        return program_dashboard(request, programs[0].pk)
    return render(
        request,
        "reports/pick_program.html",
        {"programs": programs, "url_name": "reports:program_dashboard", "title": "Dashboard"},
    )


@login_required
def program_dashboard(request, program_pk):
    program = access.get_program_for_dashboard(request, program_pk)
    try:
        period = period_from_query(request.GET, program)
    except BadPeriod as error:
        return _bad_period(request, error, program)
    agency_id = parse_int(request.GET.get("agency"))
    agency = None
    if agency_id is not None:
        agency = next((a for a in program_agencies(program) if a.pk == agency_id), None)
        if agency is None:
            raise program_access.deny(request, "deflection.agency", agency_id)
    report = dashboard_report(program=program, period=period, agency=agency)
    return render(
        request,
        "reports/dashboard.html",
        {
            "program": program,
            "report": report,
            "choices": period_choices(program),
            **_keep(request, ("agency",)),
        },
    )


# Leaderboard and commendations --------------------------------------------------------------------


@login_required
def leaderboard_home(request):
    programs = access.leaderboard_programs(request.user)
    if not programs.exists():
        raise program_access.deny(request, "reports.leaderboard", "")
    return _program_picker(request, programs, "reports:leaderboard", "Leaderboard")


@login_required
def leaderboard(request, program_pk):
    program = access.get_program_for_leaderboard(request, program_pk)
    try:
        period = period_from_query(request.GET, program)
    except BadPeriod as error:
        return _bad_period(request, error, program)
    visible = access.visible_officer_agency_ids(request.user, program)
    board = build_leaderboard(
        program=program,
        period=period,
        visible_agency_ids=visible,
        agency_id=parse_int(request.GET.get("agency")),
        unit_id=parse_int(request.GET.get("unit")),
        sort="quality" if request.GET.get("sort") == "quality" else "referrals",  # anything else: by referrals
    )
    show_all = request.GET.get("show") == "all"
    return render(
        request,
        "reports/leaderboard.html",
        {
            "program": program,
            "board": board,
            # A phone shows the top of the board; the rest is one tap away (ranks are over everyone).
            "officers": board.officers if show_all else board.officers[:LEADERBOARD_ROWS],
            "hidden_rows": 0 if show_all else max(0, len(board.officers) - LEADERBOARD_ROWS),
            "choices": period_choices(program),
            "may_commend": access.can_commend(request.user, program),
            **_keep(request, ("agency", "unit", "sort")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def commend(request, program_pk, officer_pk):
    program = access.get_program_for_leaderboard(request, program_pk)
    officer = access.get_officer_to_commend(request, program, officer_pk)
    form = CommendationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.commendation_write(
            program=program,
            officer=officer,
            written_by=request.user,
            text=form.cleaned_data["text"],
            audit=AuditContext.from_request(request),
        )
        messages.success(request, f"Commendation for {officer} saved. They will see it on their commendations page.")
        back = request.POST.get("next", "")
        if back.startswith("/reports/") and "//" not in back:
            return redirect(back)
        return redirect("reports:leaderboard", program_pk=program.pk)
    return render(
        request,
        "reports/commend.html",
        {"program": program, "officer": officer, "form": form, "next": request.GET.get("next", "")},
        status=400 if form.errors else 200,
    )


@login_required
def my_commendations(request):
    commendations = commendations_for_officer(request.user)
    return render(request, "reports/my_commendations.html", {"commendations": commendations})


@login_required
def program_commendations(request, program_pk):
    program = access.get_program_for_coordinator(request, program_pk)
    return render(
        request,
        "reports/program_commendations.html",
        {"program": program, "commendations": commendations_for_program(program)[:200]},
    )


@login_required
@require_POST
def commendation_newsletter(request, pk):
    commendation = access.get_commendation_for_coordinator(request, pk)
    include = request.POST.get("include") == "1"
    services.commendation_mark_for_newsletter(
        commendation=commendation, by=request.user, include=include, audit=AuditContext.from_request(request)
    )
    messages.success(request, "Chosen for the newsletter." if include else "Taken out of the newsletter.")
    return redirect("reports:program_commendations", program_pk=commendation.program_id)


# Officer evaluation sheet -------------------------------------------------------------------------


def _sheet(request, program_pk, officer_pk):
    program = program_access.get_program_for_user(request, program_pk)
    officer = access.get_officer_for_sheet(request, program, officer_pk)
    period = period_from_query(request.GET, program)
    return program, officer, build_evaluation_sheet(program=program, officer=officer, period=period)


@login_required
def evaluation_sheet(request, program_pk, officer_pk):
    try:
        program, officer, sheet = _sheet(request, program_pk, officer_pk)
    except BadPeriod as error:
        return _bad_period(request, error)
    if officer.pk != request.user.pk:
        audit_log(action="evaluation_sheet.view", request=request, obj=officer, detail={"period": sheet.period.key})
    return render(
        request,
        "reports/evaluation_sheet.html",
        {
            "program": program,
            "sheet": sheet,
            "choices": period_choices(program),
            "may_commend": access.can_commend(request.user, program) and officer.pk != request.user.pk,
            **_keep(request, ()),
        },
    )


@login_required
def evaluation_sheet_pdf(request, program_pk, officer_pk):
    try:
        program, officer, sheet = _sheet(request, program_pk, officer_pk)
    except BadPeriod as error:
        return _bad_period(request, error)
    pdf = render_pdf("reports/pdf/evaluation_sheet.html", {"sheet": sheet})
    audit_log(action="evaluation_sheet.pdf", request=request, obj=officer, detail={"period": sheet.period.key})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="evaluation-{officer.pk}-{sheet.period.key}.pdf"'
    return response


@login_required
def evaluation_sheet_csv(request, program_pk, officer_pk):
    try:
        program, officer, sheet = _sheet(request, program_pk, officer_pk)
    except BadPeriod as error:
        return _bad_period(request, error)
    audit_log(action="evaluation_sheet.csv", request=request, obj=officer, detail={"period": sheet.period.key})
    response = _csv_response(
        f"evaluation-{officer.pk}-{sheet.period.key}.csv", [["section", "measure", "value"], *sheet.csv_rows()]
    )
    return response


def _csv_response(filename: str, rows) -> HttpResponse:
    buffer = io.StringIO()
    writer = safe_writer(buffer)
    for row in rows:
        writer.writerow(row)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Federal export -----------------------------------------------------------------------------------


@login_required
def federal_export(request, program_pk):
    program = access.get_program_for_coordinator(request, program_pk)
    last = last_complete_quarter(exports.now(), program.time_zone)
    choices = [(last.shifted(-n).key, last.shifted(-n).label) for n in range(8)]
    key = request.GET.get("quarter", "")
    if not key:
        return render(request, "reports/federal.html", {"program": program, "choices": choices})
    try:
        quarter = Period.parse(key, program.time_zone)
        if quarter.kind != PeriodKind.QUARTER:
            raise ValueError("the federal measures are quarterly")
    except ValueError as error:
        return _bad_period(request, BadPeriod(f"{error}."), program)
    rows = exports.federal_measures(program=program, quarter=quarter)
    audit_log(action="federal_export.csv", request=request, obj=program, detail={"quarter": quarter.key})
    return _csv_response(f"cossup-{program.pk}-{quarter.key}.csv", exports.federal_csv_rows(program, quarter, rows))


@login_required
def illinois_export(request, program_pk):
    """The Illinois quarterly deflection dataset (5 ILCS 820/25) as CSV; coordinators only, audited."""
    program = access.get_program_for_coordinator(request, program_pk)
    last = last_complete_quarter(exports.now(), program.time_zone)
    choices = [(last.shifted(-n).key, last.shifted(-n).label) for n in range(8)]
    key = request.GET.get("quarter", "")
    if not key:
        return render(request, "reports/illinois.html", {"program": program, "choices": choices})
    try:
        quarter = Period.parse(key, program.time_zone)
        if quarter.kind != PeriodKind.QUARTER:
            raise ValueError("the Illinois dataset is quarterly")
    except ValueError as error:
        return _bad_period(request, BadPeriod(f"{error}."), program)
    rows = state.illinois_rows(program=program, quarter=quarter)
    audit_log(action="illinois_export.csv", request=request, obj=program, detail={"quarter": quarter.key})
    return _csv_response(f"illinois-deflection-{program.pk}-{quarter.key}.csv", state.illinois_csv_rows(program, quarter, rows))


# Newsletters --------------------------------------------------------------------------------------


@login_required
def newsletters_home(request):
    programs = program_access.programs_for(request.user)
    if not programs.exists():
        raise program_access.deny(request, "reports.newsletters", "")
    return _program_picker(request, programs, "reports:newsletters", "Newsletters")


@login_required
def newsletters(request, program_pk):
    program = program_access.get_program_for_user(request, program_pk)
    editions = newsletter_editions(program)
    coordinator = program_access.coordinates(request.user, program)
    return render(
        request,
        "reports/newsletters.html",
        {"program": program, "editions": editions, "coordinator": coordinator},
    )


@login_required
def newsletter_download(request, pk):
    newsletter = access.get_newsletter_for_user(request, pk)
    if newsletter.status != NewsletterStatus.READY:
        if newsletter.status == NewsletterStatus.FAILED:
            raise Http404("This edition failed to build.")
        # Built lazily (the demo's older editions) or still queued: ask for the build (the task claims
        # the row, so asking twice builds once) and show the progress page until it is ready.
        if newsletter.status == NewsletterStatus.PENDING:
            with transaction.atomic():
                enqueue("reports.tasks.build_newsletter", newsletter_id=newsletter.pk)
        return redirect("reports:newsletter_detail", pk=newsletter.pk)
    audit_log(action="newsletter.download", request=request, obj=newsletter)
    return FileResponse(
        newsletter.file.open("rb"), as_attachment=True, filename=newsletter.download_name, content_type="application/pdf"
    )


@login_required
def newsletter_detail(request, pk):
    newsletter = access.get_newsletter_for_user(request, pk)
    coordinator = program_access.coordinates(request.user, newsletter.program_id)
    sends = list(newsletter.sends.order_by("-created_at")) if coordinator else []
    return render(
        request,
        "reports/newsletter_detail.html",
        {"newsletter": newsletter, "coordinator": coordinator, "sends": sends},
    )


@login_required
@passive_session
def newsletter_status(request, pk):
    """Small JSON for the progress indicator (static/reports/progress.js polls it)."""
    newsletter = access.get_newsletter_for_user(request, pk)
    return JsonResponse(
        {
            "status": newsletter.status,
            "label": newsletter.get_status_display(),
            "done": newsletter.status in (NewsletterStatus.READY, NewsletterStatus.FAILED),
            "download": reverse("reports:newsletter_download", args=[newsletter.pk])
            if newsletter.status == NewsletterStatus.READY
            else "",
        }
    )


@login_required
@require_POST
def newsletter_regenerate(request, pk):
    newsletter = access.get_newsletter_for_coordinator(request, pk)
    fresh = services.newsletter_request(
        program=newsletter.program,
        kind=newsletter.kind,
        period=newsletter.period,
        by=request.user,
        audit=AuditContext.from_request(request),
    )
    messages.info(request, f"Building version {fresh.version} of {newsletter.period.label}.")
    return redirect("reports:newsletter_detail", pk=fresh.pk)


@login_required
@require_http_methods(["GET", "POST"])
def quarterly_new(request, program_pk):
    program = access.get_program_for_coordinator(request, program_pk)
    form = QuarterlyEditionForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        edition = services.newsletter_request(
            program=program,
            kind=NewsletterKind.QUARTERLY,
            period=form.cleaned_data["quarter"],
            by=request.user,
            audit=AuditContext.from_request(request),
        )
        return redirect("reports:newsletter_detail", pk=edition.pk)
    return render(request, "reports/quarterly_new.html", {"program": program, "form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def newsletter_send(request, pk):
    newsletter = access.get_newsletter_for_coordinator(request, pk)
    if newsletter.kind != NewsletterKind.QUARTERLY or newsletter.status != NewsletterStatus.READY:
        messages.error(request, "Only a built quarterly edition can be emailed.")
        return redirect("reports:newsletter_detail", pk=newsletter.pk)
    lists = access.recipient_lists_for(request.user, newsletter.program)
    form = SendForm(request.POST or None, program=newsletter.program, lists=lists)
    preview = None
    if request.method == "POST" and form.is_valid():
        send = services.newsletter_send_create(
            newsletter=newsletter,
            by=request.user,
            message=form.cleaned_data["message"],
            agencies=form.cleaned_data["agencies"],
            recipient_list=form.cleaned_data["recipient_list"],
            idempotency_key=form.cleaned_data["idempotency_key"],
            audit=AuditContext.from_request(request),
        )
        return redirect("reports:send_detail", pk=send.pk)
    if request.method == "GET":
        preview = services.newsletter_email(NewsletterSend(newsletter=newsletter, message="(your covering message)"))
    return render(
        request,
        "reports/send_form.html",
        {"newsletter": newsletter, "form": form, "preview": preview},
        status=400 if form.errors else 200,
    )


@login_required
def send_detail(request, pk):
    send = access.get_send_for_coordinator(request, pk)
    return render(request, "reports/send_detail.html", {"send": send, "progress": services.send_progress(send)})


@login_required
@passive_session
def send_status(request, pk):
    send = access.get_send_for_coordinator(request, pk)
    progress = services.send_progress(send)
    return JsonResponse({**progress, "done": progress["remaining"] == 0})


@login_required
@require_POST
def send_retry(request, pk):
    send = access.get_send_for_coordinator(request, pk)
    count = services.deliveries_retry_failed(send=send, by=request.user, audit=AuditContext.from_request(request))
    messages.info(request, f"{count} failed deliver{'y' if count == 1 else 'ies'} queued again.")
    return redirect("reports:send_detail", pk=send.pk)


@login_required
@require_http_methods(["GET", "POST"])
def recipient_list_new(request, program_pk):
    program = access.get_program_for_coordinator(request, program_pk)
    form = RecipientListForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        services.recipient_list_create(
            program=program,
            name=form.cleaned_data["name"],
            user_ids=form.cleaned_data["usernames"],
            by=request.user,
            audit=AuditContext.from_request(request),
        )
        messages.success(request, "List saved.")
        return redirect("reports:newsletters", program_pk=program.pk)
    return render(
        request, "reports/recipient_list_form.html", {"program": program, "form": form}, status=400 if form.errors else 200
    )
