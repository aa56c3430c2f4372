"""Importing HSDS 3.0: the specification's examples, bad records reported by path, upserts, round trip."""

import copy
import json

import pytest

from deflection.models import AgencyKind, AuditEvent
from deflection.tests.factories import AgencyFactory, ProgramFactory
from referrals.api import hsds
from referrals.api.hsds_import import hsds_import
from referrals.api.models import HsdsLink
from referrals.api.tests.test_hsds import COMPILED
from referrals.models import ProviderService
from referrals.tests.factories import ProviderServiceFactory

EXAMPLES = COMPILED.parent.parent / "examples"


@pytest.fixture
def empty_program(world):
    return ProgramFactory(name="Fresh Program", lead_agency=AgencyFactory(name="Fresh PD", kind=AgencyKind.POLICE))


@pytest.mark.parametrize(
    "example",
    [
        "service_full.json",
        "service_list.json",
        "organization_full.json",
        "organization_list.json",
        "service_at_location_full.json",
    ],
)
def test_the_specifications_examples_import_cleanly(empty_program, world, example):
    document = json.loads((EXAMPLES / example).read_text())
    report = hsds_import(program=empty_program, document=document, by=world.coordinator)
    assert report.errors == []
    assert report.created >= 1
    again = hsds_import(program=empty_program, document=document, by=world.coordinator)
    assert (again.created, again.updated, again.errors) == (0, 0, [])


def test_bad_records_are_reported_by_path_and_the_good_ones_saved(empty_program, world):
    document = json.loads((EXAMPLES / "service_full.json").read_text())
    good = copy.deepcopy(document)
    bad_id = copy.deepcopy(document) | {"id": "not-a-uuid"}
    no_name = copy.deepcopy(document) | {"id": "0b8a6f3e-1c1f-4a8e-9d7e-5c2b1a0f9e11", "name": ""}
    report = hsds_import(program=empty_program, document={"services": [good, bad_id, no_name]}, by=world.coordinator)
    assert ("services[1].id", "Required: a UUID.") in report.errors
    assert ("services[2].name", "Required.") in report.errors
    assert ProviderService.objects.filter(name=document["name"]).count() == 1
    assert AuditEvent.objects.filter(action="hsds.import").exists()


def test_reimport_with_a_change_updates_the_same_row(empty_program, world):
    document = json.loads((EXAMPLES / "service_full.json").read_text())
    hsds_import(program=empty_program, document=document, by=world.coordinator)
    document["eligibility_description"] = "Adults 18 and over"
    report = hsds_import(program=empty_program, document=document, by=world.coordinator)
    assert (report.created, report.updated) == (0, 1)
    service = HsdsLink.objects.get(hsds_id=document["id"]).service
    service.refresh_from_db()
    assert service.serves == "Adults 18 and over"


def test_export_imported_into_an_empty_program_round_trips(world, empty_program):
    source_org = AgencyFactory(name="Lakeside Recovery", kind=AgencyKind.TREATMENT, phone="(555) 300-1000")
    world.program.partners.add(source_org)
    ProviderServiceFactory(agency=source_org, name="Lakeside Detox", kind="detox", address="4 Lake Rd, Harlan, KY 40831")
    ProviderServiceFactory(
        agency=source_org, name="Lakeside Line", kind="recovery_support", capacity_state="full", open_slots=None
    )
    ProviderServiceFactory(agency=source_org, name="Lakeside MOUD", kind="moud", capacity_state="call", open_slots=None)
    exported = hsds.hsds_export(world.program)
    ours = [s for s in exported["services"] if s["organization_id"] == hsds.hsds_id("organization", source_org.pk)]
    # Take the source rows away, so the import must build everything again.
    world.program.partners.remove(source_org)
    ProviderService.objects.filter(agency=source_org).delete()
    source_org.delete()
    report = hsds_import(program=empty_program, document={"services": ours}, by=world.coordinator)
    assert report.errors == []
    again = hsds.hsds_export(empty_program)["services"]

    def comparable(service):
        capacity = [c["available"] for c in service["service_capacity"]]
        location = service["service_at_locations"][0]["location"]
        place = [a["address_1"] + a["city"] for a in location["addresses"]] or location["description"]
        return (
            service["name"],
            service["description"],
            service["status"],
            service["eligibility_description"],
            service["organization"]["name"],
            service["phones"][0]["number"],
            service["schedules"][0]["description"],
            json.dumps(place),
            capacity,
        )

    assert sorted(map(comparable, again)) == sorted(map(comparable, ours))


def test_datapackage_export_imports_into_an_empty_program_and_again_changes_nothing(world, empty_program):
    from referrals.api.hsds_import import document_from_datapackage

    source_org = AgencyFactory(name="Lakeside Recovery", kind=AgencyKind.TREATMENT)
    world.program.partners.add(source_org)
    ProviderServiceFactory(agency=source_org, name="Lakeside Detox", address="4 Lake Rd, Harlan, KY 40831", hours="24/7")
    package = hsds.hsds_datapackage(world.program)
    document = document_from_datapackage(package)
    report = hsds_import(program=empty_program, document=document, by=world.coordinator)
    assert report.errors == []
    detox = ProviderService.objects.get(name="Lakeside Detox")
    assert (detox.address, detox.hours) == ("4 Lake Rd, Harlan, KY 40831", "24/7")
    again = hsds_import(program=empty_program, document=document, by=world.coordinator)
    assert (again.created, again.updated, again.errors) == (0, 0, [])


def test_a_file_that_is_not_a_datapackage_is_refused_clearly():
    from referrals.api.hsds_import import DatapackageError, document_from_datapackage

    with pytest.raises(DatapackageError):
        document_from_datapackage(b"not a zip")
