"""The audit review page and its CSV export, for coordinators and administrators (CJIS weekly review)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from deflection import access
from deflection.audit import audit_log
from deflection.audit_review import AuditFilterForm, audit_events_for_review
from deflection.csvcells import safe_writer
from deflection.params import parse_id

PAGE_SIZE = 100


class _Echo:
    def write(self, value):
        return value


def _review_scope(request):
    """(program or None for every program, the programs to choose from); 404 for anyone else."""
    programs = list(access.programs_coordinated_by(request.user).order_by("name"))
    if not programs:
        raise access.deny(request, "deflection.audit_review", "")
    chosen = parse_id(request.GET.get("program", ""))
    program = next((p for p in programs if p.pk == chosen), programs[0])
    return program, programs


@login_required
def audit_review(request):
    program, programs = _review_scope(request)
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events_for_review(program=program, filters=filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_log(action="audit.review", request=request, obj=program, detail={"filters": sorted(k for k, v in filters.items() if v)})
    query = request.GET.copy()
    query.pop("page", None)
    # Shown on the program's wall clock (SECURITY: times stored UTC, shown in the program's time zone).
    with timezone.override(program.tz):
        return render(
            request,
            "deflection/audit_review.html",
            {"program": program, "programs": programs, "form": form, "page": page, "query": query.urlencode()},
            status=400 if form.errors else 200,
        )


@login_required
def audit_review_csv(request):
    program, _programs = _review_scope(request)
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events_for_review(program=program, filters=filters)
    # The export is itself an event of the review.
    audit_log(
        action="audit_review.csv", request=request, obj=program, detail={"filters": sorted(k for k, v in filters.items() if v)}
    )
    writer = safe_writer(_Echo())

    def rows():
        yield writer.writerow(["when (program time)", "kind", "username", "action", "outcome", "object", "object id", "address"])
        for event in events.iterator(chunk_size=2000):
            when = program.localtime(event.at)
            yield writer.writerow(
                [
                    when.strftime("%Y-%m-%d %H:%M:%S"),
                    event.kind,
                    event.actor_username,
                    event.action,
                    event.outcome,
                    event.object_type,
                    event.object_id,
                    event.ip_address or "",
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-review-program-{program.pk}.csv"'
    return response
