"""The ODMAP export (issue 14): the four facts per overdose in the program's calendar, no identity,
coordinators only, audited; a bad range is a 400."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from deflection.models import AuditEvent
from referrals.overdose.services import OverdoseData, overdose_record


def _recorded_at(world, moment: datetime.datetime, **extra):
    return overdose_record(
        program=world.program,
        data=OverdoseData(
            occurred_at=moment,
            place="12 Mill Road, back lot",
            fatal=extra.pop("fatal", False),
            naloxone_doses=extra.pop("doses", 2),
            first_name="Rosalind",
            last_name="Quenby",
            phone="(555) 201-3344",
            external_ref=extra.pop("ref", ""),
        ),
        recorded_by=world.officer,
    )


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_a_late_evening_overdose_is_filed_on_its_local_day_with_no_identity(client, qworld):
    # 23:30 in Chicago on the first day is 05:30 UTC on the next: the export goes by the program's calendar.
    day = qworld.program.today() - datetime.timedelta(days=3)
    late = qworld.program.local_datetime(day, datetime.time(23, 30))
    _recorded_at(qworld, late, ref="EMS-77")
    _recorded_at(qworld, late + datetime.timedelta(hours=1), fatal=True, doses=0)  # 00:30 the next local day
    client.force_login(qworld.coordinator)
    url = reverse("overdose:odmap", args=[qworld.program.pk])
    response = client.get(url, {"start": day.isoformat(), "end": day.isoformat()})
    assert response.status_code == 200
    rows = _rows(response)
    assert rows[0][:7] == [
        "incident_date",
        "incident_time",
        "utc_offset",
        "location",
        "fatal",
        "naloxone_administered",
        "naloxone_doses",
    ]
    offset = qworld.program.localtime(late).strftime("%z")
    assert rows[1:] == [
        [
            day.isoformat(),
            "23:30",
            f"UTC{offset[:3]}:{offset[3:]}",
            "12 Mill Road, back lot",
            "N",
            "Y",
            "2",
            "Riverside PD",
            "EMS-77",
        ]
    ]
    body = str(rows)
    assert "Quenby" not in body and "Rosalind" not in body and "201-3344" not in body
    both = _rows(client.get(url, {"start": day.isoformat(), "end": (day + datetime.timedelta(days=1)).isoformat()}))
    assert [(r[0], r[4], r[5]) for r in both[1:]] == [
        (day.isoformat(), "N", "Y"),
        ((day + datetime.timedelta(days=1)).isoformat(), "Y", "N"),
    ]
    assert AuditEvent.objects.filter(action="overdose.odmap_export", actor=qworld.coordinator).count() == 2


def test_the_page_offers_the_last_30_days(client, qworld):
    client.force_login(qworld.coordinator)
    page = client.get(reverse("overdose:odmap", args=[qworld.program.pk]))
    assert page.status_code == 200
    assert (qworld.program.today() - datetime.timedelta(days=29)).isoformat() in page.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2026-05-02", "end": "2026-05-01"},
        {"start": "2024-01-01", "end": "2026-01-01"},
        {"start": "not-a-date", "end": "2026-01-01"},
        {"start": "9999-12-31", "end": "9999-12-31"},
        {"start": "2026-01-01"},
        {"junk": "\x00"},
    ],
)
def test_a_bad_range_is_a_400_with_the_reason(client, qworld, query):
    client.force_login(qworld.coordinator)
    response = client.get(reverse("overdose:odmap", args=[qworld.program.pk]), query)
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="overdose.odmap_export").exists()


def test_only_the_programs_coordinators_export(client, qworld):
    url = reverse("overdose:odmap", args=[qworld.program.pk])
    for user in (qworld.officer, qworld.command, qworld.case_manager, qworld.dispatcher):
        client.force_login(user)
        assert client.get(url, {"start": "2026-01-01", "end": "2026-01-31"}).status_code == 404
