"""The program's provider directory in Open Referral HSDS 3.0 (organizations, services, locations, phones, schedules).

Ids are UUIDs derived from our own ids (uuid5), so the same row always has the same HSDS id and a
re-export is stable. Capacity travels as `service_capacity`, in the shape HSDS 3.1 gives it
(HSDS 3.0 has no capacity object; its schemas allow the extra property).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import uuid
import zipfile

from deflection.models import Agency, Program
from referrals.models import CapacityState, ProviderService

NAMESPACE = uuid.UUID("6f1b2c1e-3f0e-4e55-9d5e-6a1f0c9b2a10")  # fixed forever: changing it changes every HSDS id
US_ADDRESS = re.compile(r"^(?P<street>[^,]+),\s*(?P<city>[^,]+),\s*(?P<state>[A-Z]{2})\s+(?P<zip>\d{5}(?:-\d{4})?)$")
PER_PAGE_MAX = 500


def hsds_id(kind: str, pk: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{pk}"))


def _organization(agency: Agency) -> dict:
    org_id = hsds_id("organization", agency.pk)
    org = {
        "id": org_id,
        "name": agency.name,
        "description": agency.get_kind_display(),
        "phones": [],
    }
    if agency.phone:
        org["phones"].append(
            {"id": hsds_id("organization-phone", agency.pk), "organization_id": org_id, "number": agency.phone, "type": "voice"}
        )
    return org


def _location(service: ProviderService) -> dict:
    location_id = hsds_id("location", service.pk)
    location = {
        "id": location_id,
        "location_type": "physical",
        "organization_id": hsds_id("organization", service.agency_id),
        "name": service.name,
        "addresses": [],
    }
    match = US_ADDRESS.match(service.address.strip())
    if match:
        location["addresses"].append(
            {
                "id": hsds_id("address", service.pk),
                "location_id": location_id,
                "address_1": match["street"],
                "city": match["city"],
                "state_province": match["state"],
                "postal_code": match["zip"],
                "country": "US",
                "address_type": "physical",
            }
        )
    else:
        location["description"] = service.address
    return location


def _capacity(service: ProviderService) -> list[dict]:
    if service.capacity_state == CapacityState.CALL:
        return []
    return [
        {
            "id": hsds_id("capacity", service.pk),
            "service_id": hsds_id("service", service.pk),
            "unit": {"id": hsds_id("unit", 0), "name": "open slots or beds"},
            "available": service.open_slots or 0,
            "updated": service.capacity_updated_at.isoformat() if service.capacity_updated_at else None,
        }
    ]


def service_to_hsds(service: ProviderService, *, full: bool = True) -> dict:
    """One service; `full` nests its organization, phones, schedules and locations as /services/{id} does."""
    service_id = hsds_id("service", service.pk)
    row = {
        "id": service_id,
        "organization_id": hsds_id("organization", service.agency_id),
        "name": service.name,
        "description": service.get_kind_display(),
        "status": "active" if service.is_active else "inactive",
        "eligibility_description": service.serves,
    }
    if not full:
        return row
    sal_id = hsds_id("service_at_location", service.pk)
    return {
        **row,
        "organization": _organization(service.agency),
        "phones": [
            {"id": hsds_id("service-phone", service.pk), "service_id": service_id, "number": service.phone, "type": "voice"}
        ],
        "schedules": [{"id": hsds_id("schedule", service.pk), "service_id": service_id, "description": service.hours}],
        "service_at_locations": [
            {
                "id": sal_id,
                "service_id": service_id,
                "location_id": hsds_id("location", service.pk),
                "location": _location(service),
            }
        ],
        "service_capacity": _capacity(service),
    }


def service_at_location_to_hsds(service: ProviderService) -> dict:
    return {
        "id": hsds_id("service_at_location", service.pk),
        "service_id": hsds_id("service", service.pk),
        "location_id": hsds_id("location", service.pk),
        "location": _location(service),
    }


def organization_to_hsds(agency: Agency, services: list[ProviderService]) -> dict:
    org = _organization(agency)
    org["locations"] = [_location(s) for s in services]
    return org


def directory_services(program: Program):
    """The program's active provider services, with their agencies (one query)."""
    return (
        ProviderService.objects.filter(agency_id__in=program.agency_ids(), is_active=True).select_related("agency").order_by("pk")
    )


def hsds_export(program: Program) -> dict:
    """The whole directory as one HSDS JSON document: organizations, services (nested), service_at_locations."""
    return hsds_export_from(list(directory_services(program)))


def hsds_export_from(services: list[ProviderService]) -> dict:
    by_agency: dict[int, list[ProviderService]] = {}
    for service in services:
        by_agency.setdefault(service.agency_id, []).append(service)
    agencies = {s.agency_id: s.agency for s in services}
    return {
        "organizations": [organization_to_hsds(agencies[pk], rows) for pk, rows in sorted(by_agency.items())],
        "services": [service_to_hsds(s) for s in services],
        "service_at_locations": [service_at_location_to_hsds(s) for s in services],
    }


def page_envelope(contents: list, *, total_items: int, page_number: int, per_page: int) -> dict:
    """HSDS's pagination envelope (the specification's Page schema) around one page of contents."""
    total_pages = max(1, math.ceil(total_items / per_page))
    return {
        "total_items": total_items,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(contents),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": total_items == 0,
        "contents": contents,
    }


# The tabular form (HSDS's CSV datapackage): one CSV per table, columns named as the specification names them.
TABLES = {
    "organization": ("organizations.csv", ["id", "name", "description"]),
    "service": ("services.csv", ["id", "organization_id", "name", "description", "status", "eligibility_description"]),
    "location": ("locations.csv", ["id", "location_type", "organization_id", "name", "description"]),
    "address": (
        "addresses.csv",
        ["id", "location_id", "address_1", "city", "state_province", "postal_code", "country", "address_type"],
    ),
    "service_at_location": ("service_at_location.csv", ["id", "service_id", "location_id"]),
    "phone": ("phones.csv", ["id", "organization_id", "service_id", "number", "type"]),
    "schedule": ("schedules.csv", ["id", "service_id", "description"]),
}


def hsds_tables(document: dict) -> dict[str, list[dict]]:
    """The JSON document flattened into HSDS's tables (rows as dicts of the tables' columns)."""
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    for org in document["organizations"]:
        tables["organization"].append(org)
        tables["phone"] += org.get("phones", [])
    for service in document["services"]:
        tables["service"].append(service)
        tables["phone"] += service.get("phones", [])
        tables["schedule"] += service.get("schedules", [])
        for link in service.get("service_at_locations", []):
            tables["service_at_location"].append(link)
            tables["location"].append(link["location"])
            tables["address"] += link["location"].get("addresses", [])
    return {name: [{c: row.get(c, "") for c in TABLES[name][1]} for row in rows] for name, rows in tables.items()}


def hsds_datapackage(program: Program) -> bytes:
    """The directory as HSDS's tabular datapackage: a zip of datapackage.json and one CSV per table."""
    tables = hsds_tables(hsds_export(program))
    buffer = io.BytesIO()
    resources = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (path, columns) in TABLES.items():
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(tables[name])
            archive.writestr(path, text.getvalue())
            resources.append(
                {
                    "name": name,
                    "path": path,
                    "profile": "tabular-data-resource",
                    "format": "csv",
                    "mediatype": "text/csv",
                    "schema": {"fields": [{"name": c, "type": "string"} for c in columns], "primaryKey": "id"},
                }
            )
        package = {"name": "hsds-directory", "profile": "tabular-data-package", "resources": resources}
        archive.writestr("datapackage.json", json.dumps(package, indent=2))
    return buffer.getvalue()
