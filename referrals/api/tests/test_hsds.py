"""The directory in HSDS 3.0: every export and API response validates against the official compiled schemas."""

import json
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings

from deflection.models import AgencyKind
from deflection.tests.factories import AgencyFactory
from referrals.api import hsds
from referrals.api.tests.conftest import auth
from referrals.tests.factories import ProviderServiceFactory


def _shared() -> Path:
    """../shared beside the repository, as the issue names it; from a git worktree, beside the main checkout."""
    beside = settings.BASE_DIR.parent / "shared"
    dot_git = settings.BASE_DIR / ".git"
    if not beside.exists() and dot_git.is_file():  # a worktree: ".git" names <main>/.git/worktrees/<name>
        return Path(dot_git.read_text().removeprefix("gitdir:").strip()).parents[2].parent / "shared"
    return beside


COMPILED = _shared() / "standards" / "hsds-3.0" / "schema" / "compiled"


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((COMPILED / f"{name}.json").read_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def assert_valid(name: str, document: dict) -> None:
    errors = sorted(validator(name).iter_errors(document), key=str)
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


@pytest.fixture
def directory(rworld):
    community = AgencyFactory(name="Second Chance Recovery", kind=AgencyKind.COMMUNITY, phone="(555) 010-2000")
    rworld.program.partners.add(community)
    ProviderServiceFactory(agency=community, name="Peer coaching", kind="recovery_support", address="12 Elm St, Harlan, KY 40831")
    ProviderServiceFactory(agency=community, name="Phone line", kind="recovery_support", capacity_state="call", open_slots=None)
    return rworld


def test_export_validates_against_the_hsds_schemas(directory):
    document = hsds.hsds_export(directory.program)
    assert len(document["services"]) == 4 and len(document["organizations"]) == 2
    for service in document["services"]:
        assert_valid("service", service)
    for organization in document["organizations"]:
        assert_valid("organization", organization)
    for link in document["service_at_locations"]:
        assert_valid("service_at_location", link)


def test_capacity_travels_as_service_capacity_and_call_to_check_has_none(directory):
    by_name = {s["name"]: s for s in hsds.hsds_export(directory.program)["services"]}
    assert by_name["Harbor Detox"]["service_capacity"][0]["available"] == 3
    assert by_name["Phone line"]["service_capacity"] == []
    address = by_name["Peer coaching"]["service_at_locations"][0]["location"]["addresses"][0]
    assert (address["city"], address["state_province"], address["postal_code"]) == ("Harlan", "KY", "40831")


def test_export_ids_are_stable(directory):
    assert hsds.hsds_export(directory.program) == hsds.hsds_export(directory.program)


def test_api_read_paths_validate_and_paginate(client, directory, police_token, django_assert_max_num_queries):
    headers = auth(police_token)
    with django_assert_max_num_queries(12):
        first = client.get("/api/v1/hsds/services?per_page=3", **headers).json()
    assert (first["total_items"], first["total_pages"], first["size"], first["first_page"], first["last_page"]) == (
        4,
        2,
        3,
        True,
        False,
    )
    second = client.get("/api/v1/hsds/services?per_page=3&page=2", **headers).json()
    assert second["size"] == 1 and second["last_page"] is True
    for row in first["contents"] + second["contents"]:
        assert_valid("service_list", row)
        detail = client.get(f"/api/v1/hsds/services/{row['id']}", **headers)
        assert detail.status_code == 200
        assert_valid("service", detail.json())
    organizations = client.get("/api/v1/hsds/organizations", **headers).json()
    for row in organizations["contents"]:
        assert_valid("organization_list", row)
        assert_valid("organization", client.get(f"/api/v1/hsds/organizations/{row['id']}", **headers).json())
    links = client.get("/api/v1/hsds/service_at_locations", **headers).json()
    assert links["total_items"] == 4
    for row in links["contents"]:
        assert_valid("service_at_location_list", row)


def test_another_programs_service_is_404(client, directory, police_token):
    elsewhere = ProviderServiceFactory(agency=AgencyFactory(kind=AgencyKind.TREATMENT))
    response = client.get(f"/api/v1/hsds/services/{hsds.hsds_id('service', elsewhere.pk)}", **auth(police_token))
    assert response.status_code == 404


def test_datapackage_rows_validate_against_the_tabular_schema(client, directory, police_token):
    import csv
    import io
    import zipfile

    response = client.get("/api/v1/hsds/datapackage.zip", **auth(police_token))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    tabular = json.loads((COMPILED / "tabular.json").read_text())["properties"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    package = json.loads(archive.read("datapackage.json"))
    counts = {}
    for resource in package["resources"]:
        table = jsonschema.Draft202012Validator(
            tabular[resource["name"]]["items"], format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        rows = list(csv.DictReader(io.StringIO(archive.read(resource["path"]).decode())))
        counts[resource["name"]] = len(rows)
        for row in rows:
            errors = list(table.iter_errors({k: v for k, v in row.items() if v != ""}))
            assert not errors, (resource["name"], [e.message for e in errors])
    assert counts["service"] == 4 and counts["organization"] == 2 and counts["service_at_location"] == 4


def test_hsds_paths_are_public_only_once_the_coordinator_says_so(client, directory):
    url = f"/api/v1/hsds/services?program={directory.program.pk}"
    assert client.get(url).status_code == 401
    client.force_login(directory.coordinator)
    client.post(f"/api/clients/programs/{directory.program.pk}/hsds/", {"public": "1"})
    client.logout()
    response = client.get(url)
    assert response.status_code == 200
    assert response.json()["total_items"] == 4
    other = f"/api/v1/hsds/services?program={directory.other_program.pk}"
    assert client.get(other).status_code == 401
    client.force_login(directory.coordinator)
    client.post(f"/api/clients/programs/{directory.program.pk}/hsds/", {"public": "0"})
    client.logout()
    assert client.get(url).status_code == 401


def test_officer_cannot_publish_the_directory(client, directory):
    client.force_login(directory.officer)
    assert client.post(f"/api/clients/programs/{directory.program.pk}/hsds/", {"public": "1"}).status_code == 404
