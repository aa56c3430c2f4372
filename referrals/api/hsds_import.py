"""Import an HSDS 3.0 JSON document into a program's directory, upserted by HSDS id.

Every record is checked first; each bad one is reported with its path and reason, and the good ones
are saved together in one transaction. A row is written only when a field differs, so importing the
same document again changes nothing.
"""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from dataclasses import dataclass, field

from django.db import transaction

from deflection.audit import AuditContext, audit_log
from deflection.models import Agency, AgencyKind, Program, User
from referrals.api.models import HsdsKind, HsdsLink
from referrals.models import CapacityState, ProviderService, ServiceKind

KIND_BY_LABEL = {label.lower(): value for value, label in ServiceKind.choices}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Org:
    hsds_id: uuid.UUID
    name: str
    phone: str


@dataclass(frozen=True)
class _Service:
    hsds_id: uuid.UUID
    org_id: uuid.UUID
    fields: dict


def _records(document) -> tuple[list[tuple[str, dict]], list[tuple[str, dict]]]:
    """(path, organization) and (path, service) pairs from any shape HSDS publishes: a full document,
    one service or organization, a page of them, or a list."""
    orgs: list[tuple[str, dict]] = []
    services: list[tuple[str, dict]] = []
    if isinstance(document, list):
        document = {"contents": document}
    if not isinstance(document, dict):
        return orgs, services
    if "contents" in document and isinstance(document["contents"], list):
        for n, item in enumerate(document["contents"]):
            sub_orgs, sub_services = _records(item)
            orgs += [(f"contents[{n}]{p.removeprefix('$')}", r) for p, r in sub_orgs]
            services += [(f"contents[{n}]{p.removeprefix('$')}", r) for p, r in sub_services]
        return orgs, services
    if "id" not in document and ("organizations" in document or "services" in document):
        orgs += [(f"organizations[{n}]", r) for n, r in enumerate(document.get("organizations") or [])]
        for n, service in enumerate(document.get("services") or []):
            services.append((f"services[{n}]", service))
            if isinstance(service, dict) and isinstance(service.get("organization"), dict):
                orgs.append((f"services[{n}].organization", service["organization"]))
        return orgs, services
    if "status" in document:  # a service
        services.append(("$", document))
        if isinstance(document.get("organization"), dict):
            orgs.append(("$.organization", document["organization"]))
    elif "service" in document and isinstance(document["service"], dict):  # a service_at_location
        return _records(document["service"])
    else:
        orgs.append(("$", document))
        # An organization may carry its services; they belong to it unless they say otherwise.
        for n, service in enumerate(document.get("services") or []):
            if isinstance(service, dict):
                services.append((f"$.services[{n}]", {"organization_id": document.get("id"), **service}))
    return orgs, services


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def _text(record: dict, key: str, limit: int) -> str:
    value = record.get(key)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _first(record: dict, key: str) -> dict:
    items = record.get(key)
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}


def _address(service: dict) -> str:
    location = _first(service, "service_at_locations").get("location") or {}
    address = _first(location, "addresses") if isinstance(location, dict) else {}
    if address:
        parts = [
            address.get("address_1"),
            address.get("city"),
            f"{address.get('state_province', '')} {address.get('postal_code', '')}",
        ]
        return ", ".join(str(p).strip() for p in parts if p and str(p).strip())[:300]
    return _text(location, "description", 300) if isinstance(location, dict) else ""


def _capacity(service: dict) -> tuple[str, int | None]:
    capacity = _first(service, "service_capacity")
    available = capacity.get("available")
    if not isinstance(available, int) or isinstance(available, bool) or available < 0:
        return CapacityState.CALL, None
    return (CapacityState.OPEN, available) if available > 0 else (CapacityState.FULL, None)


def _check_org(path: str, record) -> tuple[_Org | None, list[tuple[str, str]]]:
    if not isinstance(record, dict):
        return None, [(path, "An organization must be an object.")]
    errors = []
    hsds_id = _uuid(record.get("id"))
    if hsds_id is None:
        errors.append((f"{path}.id", "Required: a UUID."))
    name = _text(record, "name", 201)
    if not name:
        errors.append((f"{path}.name", "Required."))
    elif len(name) > 200:
        errors.append((f"{path}.name", "At most 200 characters."))
    if errors:
        return None, errors
    return _Org(hsds_id, name, _text(_first(record, "phones"), "number", 40)), []


def _check_service(path: str, record) -> tuple[_Service | None, list[tuple[str, str]]]:
    if not isinstance(record, dict):
        return None, [(path, "A service must be an object.")]
    errors = []
    hsds_id = _uuid(record.get("id"))
    if hsds_id is None:
        errors.append((f"{path}.id", "Required: a UUID."))
    org_id = _uuid(record.get("organization_id") or (record.get("organization") or {}).get("id"))
    if org_id is None:
        errors.append((f"{path}.organization_id", "Required: the UUID of the organization that provides it."))
    name = _text(record, "name", 201)
    if not name:
        errors.append((f"{path}.name", "Required."))
    elif len(name) > 200:
        errors.append((f"{path}.name", "At most 200 characters."))
    status = record.get("status")
    if status not in ("active", "inactive", "defunct", "temporarily closed"):
        errors.append((f"{path}.status", "One of: active, inactive, defunct, temporarily closed."))
    if errors:
        return None, errors
    state, slots = _capacity(record)
    fields = {
        "name": name,
        "kind": KIND_BY_LABEL.get(_text(record, "description", 200).lower(), ServiceKind.OUTPATIENT),
        "hours": _text(_first(record, "schedules"), "description", 200),
        "address": _address(record),
        "phone": _text(_first(record, "phones"), "number", 40),
        "serves": _text(record, "eligibility_description", 300),
        "is_active": status == "active",
        "capacity_state": state,
        "open_slots": slots,
    }
    return _Service(hsds_id, org_id, fields), []


def hsds_import(*, program: Program, document, by: User, audit: AuditContext | None = None) -> ImportReport:
    """Upsert the document's organizations (as provider agencies of the program) and services."""
    report = ImportReport()
    org_records, service_records = _records(document)
    if not org_records and not service_records:
        report.errors.append(("$", "No HSDS organizations or services found."))
        return report
    orgs: dict[uuid.UUID, _Org] = {}
    org_paths: dict[uuid.UUID, str] = {}
    for path, record in org_records:
        org, errors = _check_org(path, record)
        report.errors += errors
        if org is not None:
            orgs.setdefault(org.hsds_id, org)
            org_paths.setdefault(org.hsds_id, path)
    services: list[tuple[str, _Service]] = []
    for path, record in service_records:
        service, errors = _check_service(path, record)
        report.errors += errors
        if service is not None:
            services.append((path, service))
    links = {link.hsds_id: link for link in HsdsLink.objects.filter(program=program)}
    with transaction.atomic():
        agencies = {
            hsds_id: _upsert_agency(program, org, links.get(hsds_id), report, org_paths[hsds_id]) for hsds_id, org in orgs.items()
        }
        for path, service in services:
            agency = agencies.get(service.org_id)
            if agency is None and service.org_id in links and links[service.org_id].kind == HsdsKind.ORGANIZATION:
                agency = links[service.org_id].agency
            if agency is None:
                report.errors.append((f"{path}.organization_id", "No such organization in this file or an earlier import."))
                continue
            _upsert_service(program, agency, service, links.get(service.hsds_id), report, path)
        audit_log(
            action="hsds.import",
            context=audit,
            actor=by,
            obj=program,
            detail={
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "errors": len(report.errors),
            },
        )
    return report


def _upsert_agency(program: Program, org: _Org, link: HsdsLink | None, report: ImportReport, path: str) -> Agency | None:
    agency = link.agency if link is not None else Agency.objects.filter(name=org.name).first()
    if agency is not None and Agency.objects.filter(name=org.name).exclude(pk=agency.pk).exists():
        report.errors.append((f"{path}.name", "Another agency already has this name."))
        return None
    if agency is None:
        agency = Agency.objects.create(name=org.name, kind=AgencyKind.TREATMENT, phone=org.phone)
        report.created += 1
    else:
        changed = [f for f, v in (("name", org.name), ("phone", org.phone)) if v and getattr(agency, f) != v]
        for name in changed:
            setattr(agency, name, org.name if name == "name" else org.phone)
        if changed:
            agency.save(update_fields=changed)
            report.updated += 1
        else:
            report.unchanged += 1
    if link is None:
        HsdsLink.objects.create(program=program, hsds_id=org.hsds_id, kind=HsdsKind.ORGANIZATION, agency=agency)
    if not program.partners.filter(pk=agency.pk).exists() and agency.pk != program.lead_agency_id:
        program.partners.add(agency)
    return agency


def _upsert_service(
    program: Program, agency: Agency, service: _Service, link: HsdsLink | None, report: ImportReport, path: str
) -> None:
    row = link.service if link is not None else ProviderService.objects.filter(agency=agency, name=service.fields["name"]).first()
    clash = ProviderService.objects.filter(agency=agency, name=service.fields["name"])
    if row is not None and clash.exclude(pk=row.pk).exists():
        report.errors.append((f"{path}.name", "The organization already has another service of this name."))
        return
    if row is None:
        row = ProviderService.objects.create(agency=agency, **service.fields)
        report.created += 1
    else:
        changed = [name for name, value in service.fields.items() if getattr(row, name) != value]
        if row.agency_id != agency.pk:
            row.agency = agency
            changed.append("agency")
        for name in changed:
            if name != "agency":
                setattr(row, name, service.fields[name])
        if changed:
            row.save(update_fields=changed)
            report.updated += 1
        else:
            report.unchanged += 1
    if link is None:
        HsdsLink.objects.create(program=program, hsds_id=service.hsds_id, kind=HsdsKind.SERVICE, service=row)


class DatapackageError(ValueError):
    """The upload is not a readable HSDS datapackage (zip with CSV tables)."""


def document_from_datapackage(data: bytes) -> dict:
    """Rebuild the JSON document from HSDS's tabular datapackage, so one importer serves both forms."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())

        def table(path: str) -> list[dict]:
            if path not in names:
                return []
            return list(csv.DictReader(io.StringIO(archive.read(path).decode("utf-8-sig"))))

        organizations = table("organizations.csv")
        services = table("services.csv")
        phones, schedules = table("phones.csv"), table("schedules.csv")
        links, locations, addresses = table("service_at_location.csv"), table("locations.csv"), table("addresses.csv")
    except (zipfile.BadZipFile, UnicodeDecodeError, csv.Error, KeyError) as exc:
        raise DatapackageError("Not a readable HSDS datapackage (a zip of CSV tables).") from exc

    def clean(row: dict) -> dict:
        return {k: v for k, v in row.items() if k and v not in ("", None)}

    def by(rows: list[dict], key: str) -> dict[str, list[dict]]:
        grouped: dict[str, list[dict]] = {}
        for row in rows:
            grouped.setdefault(row.get(key) or "", []).append(clean(row))
        return grouped

    location_addresses = by(addresses, "location_id")
    location_rows = {row.get("id"): {**clean(row), "addresses": location_addresses.get(row.get("id"), [])} for row in locations}
    service_phones, service_schedules, service_links = (
        by(phones, "service_id"),
        by(schedules, "service_id"),
        by(links, "service_id"),
    )
    org_phones = by(phones, "organization_id")
    return {
        "organizations": [{**clean(o), "phones": org_phones.get(o.get("id"), [])} for o in organizations],
        "services": [
            {
                **clean(s),
                "phones": service_phones.get(s.get("id"), []),
                "schedules": service_schedules.get(s.get("id"), []),
                "service_at_locations": [
                    {**link, "location": location_rows.get(link.get("location_id"), {})}
                    for link in service_links.get(s.get("id"), [])
                ],
            }
            for s in services
        ],
    }
