"""/api/v1/hsds/: the HSDS 3.0 read paths and the tabular datapackage, on the same clients and error shape.

Token-gated (scope directory:read, the client's program) unless the program's coordinator made its
directory public; then `?program=<id>` without a token reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpResponse
from ninja import Path, Query, Router, Status

from deflection.audit import AuditContext, audit_log
from deflection.models import AuditOutcome, Program
from referrals.api import hsds
from referrals.api.endpoints import ERRORS, MAX_ID, ClientToken, ErrorOut, _client_setup
from referrals.api.models import ApiClient, DirectoryPublication, Scope
from referrals.api.services import api_call_audit

router = Router(tags=["hsds"])

# HSDS 3.0 read paths (the specification's API): the program's directory for partners' systems.
PAGE = Query(1, ge=1, le=100_000, description="1-based page number.")
PER_PAGE = Query(50, ge=1, le=hsds.PER_PAGE_MAX)
HSDS_ID = Path(..., pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


PROGRAM = Query(None, ge=1, le=MAX_ID, description="Without a token: a program whose directory it has made public.")


@dataclass(frozen=True)
class PublicReader:
    """An anonymous reader of a program whose coordinator made its HSDS directory public."""

    program: Program


def public_directory(request) -> PublicReader | None:
    """The second way in to the HSDS paths: no token, `?program=<id>` of a program that publishes its directory."""
    try:
        program_id = int(request.GET.get("program", ""))
    except ValueError:
        return None
    publication = DirectoryPublication.objects.filter(program_id=program_id, hsds_public=True).select_related("program")
    found = publication.first() if 0 < program_id <= MAX_ID else None
    return PublicReader(found.program) if found is not None else None


def hsds_auth(operation: str) -> list:
    return [ClientToken(Scope.DIRECTORY_READ, operation), public_directory]


def _hsds_program(request, operation: str) -> Program:
    if isinstance(request.auth, PublicReader):
        audit_log(action=f"api.{operation}", request=request, username="public", obj=request.auth.program)
        return request.auth.program
    client: ApiClient = request.auth
    setup = _client_setup(client)
    api_call_audit(
        audit=AuditContext.from_request(request),
        client=client,
        operation=operation,
        outcome=AuditOutcome.SUCCESS,
        obj=setup.program,
    )
    return setup.program


def _hsds_services(request, operation: str):
    return list(hsds.directory_services(_hsds_program(request, operation)))


def _page(rows: list, page: int, per_page: int, convert) -> dict:
    chunk = rows[(page - 1) * per_page : page * per_page]
    return hsds.page_envelope([convert(r) for r in chunk], total_items=len(rows), page_number=page, per_page=per_page)


@router.get(
    "/services",
    auth=hsds_auth("hsds.services"),
    response={200: dict, **ERRORS},
    summary="HSDS 3.0: services, paginated (one-to-one fields)",
)
def hsds_services(request, page: int = PAGE, per_page: int = PER_PAGE, program: int | None = PROGRAM):
    rows = _hsds_services(request, "hsds.services")
    return Status(200, _page(rows, page, per_page, lambda s: hsds.service_to_hsds(s, full=False)))


@router.get(
    "/services/{service_id}",
    auth=hsds_auth("hsds.service"),
    response={200: dict, 404: ErrorOut, **ERRORS},
    summary="HSDS 3.0: one service, fully nested, with service_capacity",
)
def hsds_service(request, service_id: str = HSDS_ID, program: int | None = PROGRAM):
    for service in _hsds_services(request, "hsds.service"):
        if hsds.hsds_id("service", service.pk) == service_id:
            return Status(200, hsds.service_to_hsds(service))
    raise Http404


@router.get(
    "/organizations",
    auth=hsds_auth("hsds.organizations"),
    response={200: dict, **ERRORS},
    summary="HSDS 3.0: organizations, paginated",
)
def hsds_organizations(request, page: int = PAGE, per_page: int = PER_PAGE, program: int | None = PROGRAM):
    organizations = hsds.hsds_export_from(_hsds_services(request, "hsds.organizations"))["organizations"]
    return Status(200, _page(organizations, page, per_page, lambda o: o))


@router.get(
    "/organizations/{organization_id}",
    auth=hsds_auth("hsds.organization"),
    response={200: dict, 404: ErrorOut, **ERRORS},
    summary="HSDS 3.0: one organization with its locations",
)
def hsds_organization(request, organization_id: str = HSDS_ID, program: int | None = PROGRAM):
    for organization in hsds.hsds_export_from(_hsds_services(request, "hsds.organization"))["organizations"]:
        if organization["id"] == organization_id:
            return Status(200, organization)
    raise Http404


@router.get(
    "/service_at_locations",
    auth=hsds_auth("hsds.service_at_locations"),
    response={200: dict, **ERRORS},
    summary="HSDS 3.0: service_at_locations, paginated",
)
def hsds_service_at_locations(request, page: int = PAGE, per_page: int = PER_PAGE, program: int | None = PROGRAM):
    rows = _hsds_services(request, "hsds.service_at_locations")
    return Status(200, _page(rows, page, per_page, hsds.service_at_location_to_hsds))


@router.get(
    "/datapackage.zip",
    auth=hsds_auth("hsds.datapackage"),
    response=ERRORS,
    summary="HSDS 3.0: the directory as the tabular CSV datapackage (zip)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "datapackage.json and one CSV per HSDS table",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def hsds_datapackage(request, program: int | None = PROGRAM):
    response = HttpResponse(hsds.hsds_datapackage(_hsds_program(request, "hsds.datapackage")), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="hsds-directory.zip"'
    return response
