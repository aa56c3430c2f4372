"""Post-overdose outreach pages. Thin: parse, one access helper, one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from deflection.access import deny, get_object_for_user
from deflection.audit import AuditContext, audit_log
from deflection.csvcells import safe_writer
from deflection.errors import ServiceError, refusal_response
from deflection.models import Membership, Role, User
from deflection.params import parse_id
from referrals.overdose import access, exports, imports, naloxone, selectors, services
from referrals.overdose.forms import (
    AttemptForm,
    KitForm,
    OdmapRangeForm,
    OutreachSettingsForm,
    OverdoseForm,
    OverdoseImportForm,
)
from referrals.overdose.models import KitRecipient, OutreachSettings, Overdose

FIELD_RULES = [
    "Phone or text first, and ask for consent before anything else.",
    "If someone else answers, disclose nothing: not the overdose, not the program's name.",
    "Run no warrant check before a visit.",
    "Leave a naloxone kit with the survivor or the family.",
]


@login_required
@require_http_methods(["GET", "POST"])
def overdose_new(request):
    programs = access.programs_for_recording(request.user)
    if not programs.exists():
        raise deny(request, "overdose.form", "")
    form = OverdoseForm(request.POST or None, programs=programs)
    if request.method == "GET":
        return render(request, "overdose/overdose_form.html", {"form": form})
    if not form.is_valid():
        return render(request, "overdose/overdose_form.html", {"form": form}, status=400)
    program = form.cleaned_data["program"]
    try:
        overdose = services.overdose_record(
            program=program,
            data=form.to_data(),
            recorded_by=request.user,
            form_opened_at=form.cleaned_data["opened"],
            audit=AuditContext.from_request(request),
        )
    except ServiceError as exc:
        return refusal_response(request, exc, "overdose/overdose_form.html", {"form": form}, form=form)
    return redirect("overdose:done", pk=overdose.pk)


@login_required
def overdose_done(request, pk):
    # The responder sees what they recorded and what happens next, never the case that follows.
    overdose = get_object_for_user(
        request, Overdose.objects.filter(recorded_by=request.user).select_related("program"), pk, "overdose.overdose"
    )
    with overdose.program.time_zone_override():
        return render(request, "overdose/overdose_done.html", {"overdose": overdose})


@never_cache
@login_required
def queue(request):
    program_ids = list(access.programs_for_team(request.user).values_list("pk", flat=True))
    if not program_ids:
        raise deny(request, "overdose.queue", "")
    cases, open_count = selectors.outreach_queue(request.user, program_ids)
    return render(request, "overdose/queue.html", {"cases": cases, "open_count": open_count})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def case_detail(request, pk):
    case = selectors.get_case_for_team(request, pk)
    program = case.program
    criteria = list(program.criteria.filter(is_active=True).order_by("position", "pk"))
    form = AttemptForm(request.POST or None, criteria=criteria)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.outreach_attempt_record(
                    case=case, by=request.user, data=form.to_data(), audit=AuditContext.from_request(request)
                )
            except ServiceError as exc:
                context = _case_context(case, form)
                with program.time_zone_override():
                    return refusal_response(request, exc, "overdose/case.html", context, form=form)
            messages.success(request, "Attempt recorded.")
            return redirect("overdose:case", pk=case.pk)
        status = 400
    audit_log(action="outreach.view", request=request, obj=case.participant, detail={"case": case.pk})
    with program.time_zone_override():
        return render(request, "overdose/case.html", _case_context(case, form), status=status)


def _case_context(case, form) -> dict:
    return {
        "case": case,
        "form": form,
        "attempts": list(case.attempts.select_related("by").order_by("at", "pk")),
        "rules": FIELD_RULES,
        "settings": OutreachSettings.for_program(case.program),
    }


@never_cache
@login_required
def family_follow_ups(request):
    if not access.programs_for_team(request.user).exists():
        raise deny(request, "overdose.family", "")
    return render(request, "overdose/family.html", {"tasks": list(selectors.family_follow_ups_for_team(request.user))})


@login_required
@require_POST
def family_follow_up_done(request, pk):
    task = selectors.get_family_follow_up_for_team(request, pk)
    services.family_follow_up_done(
        task=task, by=request.user, note=request.POST.get("note", "")[:1000], audit=AuditContext.from_request(request)
    )
    messages.success(request, "Marked as offered.")
    return redirect("overdose:family")


def _ledger_program(request):
    programs = access.programs_for_ledger(request.user)
    raw = request.GET.get("program") or request.POST.get("program")
    if raw:
        if parse_id(raw) is None:
            raise deny(request, "deflection.program", "invalid")
        return access.get_program_for_ledger(request, raw), programs
    program = programs.first()
    if program is None:
        raise deny(request, "overdose.naloxone", "")
    return program, programs


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def naloxone_ledger(request):
    program, programs = _ledger_program(request)
    form = KitForm(request.POST or None, program=program)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            c = form.cleaned_data
            try:
                if c["recipient"]:
                    naloxone.kits_hand_out(
                        program=program,
                        unit=c["unit"],
                        quantity=c["quantity"],
                        recipient=c["recipient"],
                        by=request.user,
                        audit=AuditContext.from_request(request),
                    )
                else:
                    naloxone.kits_restock(
                        program=program,
                        unit=c["unit"],
                        quantity=c["quantity"],
                        by=request.user,
                        audit=AuditContext.from_request(request),
                    )
            except ServiceError as exc:
                context = _ledger_context(program, programs, form)
                with program.time_zone_override():
                    return refusal_response(request, exc, "overdose/naloxone.html", context, form=form)
            messages.success(request, "Ledger updated.")
            return redirect(f"{request.path}?program={program.pk}")
        status = 400
    with program.time_zone_override():
        return render(request, "overdose/naloxone.html", _ledger_context(program, programs, form), status=status)


def _ledger_context(program, programs, form) -> dict:
    return {
        "program": program,
        "programs": list(programs),
        "form": form,
        "stocks": naloxone.stocks_for_program(program),
        "entries": selectors.ledger_entries(program),
        "recipients": dict(KitRecipient.choices),
    }


@login_required
@require_http_methods(["GET", "POST"])
def overdose_import(request, program_pk):
    program = access.get_program_for_coordinator(request, program_pk)
    form = OverdoseImportForm(request.POST, request.FILES) if request.method == "POST" else OverdoseImportForm()
    result, status = None, 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            try:
                result = imports.overdose_import_csv(
                    program=program,
                    data=form.cleaned_data["file"].read(),
                    imported_by=request.user,
                    audit=AuditContext.from_request(request),
                )
            except ServiceError as exc:
                return refusal_response(request, exc, "overdose/import.html", {"program": program, "form": form, "result": None})
            status = 400 if result.errors else 200
    context = {"program": program, "form": form, "result": result, "columns": imports.IMPORT_COLUMNS}
    return render(request, "overdose/import.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def outreach_settings(request, program_pk):
    program = access.get_program_for_coordinator(request, program_pk)
    row = OutreachSettings.for_program(program)
    case_managers = User.objects.filter(
        pk__in=Membership.objects.filter(role=Role.CASE_MANAGER, is_active=True, agency_id__in=program.agency_ids()).values(
            "user_id"
        )
    ).order_by("last_name", "first_name")
    form = OutreachSettingsForm(request.POST or None, instance=row, case_managers=case_managers)
    if request.method == "POST":
        if form.is_valid():
            services.outreach_settings_save(
                settings_row=form.save(commit=False), by=request.user, audit=AuditContext.from_request(request)
            )
            messages.success(request, "Outreach settings saved.")
            return redirect("overdose:settings", program_pk=program.pk)
        return render(request, "overdose/settings.html", {"program": program, "form": form}, status=400)
    return render(request, "overdose/settings.html", {"program": program, "form": form})


@login_required
@require_http_methods(["GET"])
def odmap_export(request, program_pk):
    """The ODMAP CSV of the chosen days (coordinators): the four facts per overdose, no identity; audited."""
    program = access.get_program_for_coordinator(request, program_pk)
    if not request.GET:
        days = exports.default_range(program)
        form = OdmapRangeForm(initial={"start": days.first, "end": days.last})
        return render(request, "overdose/odmap.html", {"program": program, "form": form})
    form = OdmapRangeForm(request.GET)
    if not form.is_valid():
        return render(request, "overdose/odmap.html", {"program": program, "form": form}, status=400)
    days = exports.Range(form.cleaned_data["start"], form.cleaned_data["end"])
    audit_log(
        action="overdose.odmap_export",
        request=request,
        obj=program,
        detail={"from": days.first.isoformat(), "to": days.last.isoformat()},
    )
    response = StreamingHttpResponse(
        (line for row in exports.odmap_rows(program, days) for line in [_csv_line(row)]), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="odmap-{program.pk}-{days.first}-{days.last}.csv"'
    return response


class _Echo:
    def write(self, value):
        return value


_ECHO_WRITER = safe_writer(_Echo())


def _csv_line(row) -> str:
    return _ECHO_WRITER.writerow(row)
