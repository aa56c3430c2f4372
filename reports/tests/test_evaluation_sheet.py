"""The officer evaluation sheet: who may open it, what it holds, its PDF and CSV (audited, no identifiers)."""

import csv
import io
import re
import subprocess

import pytest
from django.urls import reverse

from deflection.models import AuditEvent
from reports.models import Commendation
from reports.tests.conftest import MARCH, PARTICIPANT_NAMES


def sheet_url(world, officer, suffix="", period="2026-03"):
    name = {"": "reports:evaluation_sheet", "pdf": "reports:evaluation_sheet_pdf", "csv": "reports:evaluation_sheet_csv"}[suffix]
    return reverse(name, args=[world.program.pk, officer.pk]) + f"?period={period}"


@pytest.mark.parametrize("persona", ["command", "coordinator", "administrator"])
def test_command_coordinators_and_administrators_open_an_officers_sheet(client, reports_world, persona):
    client.force_login(getattr(reports_world, persona))
    response = client.get(sheet_url(reports_world, reports_world.officer))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="evaluation_sheet.view", object_id=str(reports_world.officer.pk)).exists()


def test_an_officer_opens_their_own_sheet_only(client, reports_world):
    client.force_login(reports_world.other_officer)
    assert client.get(sheet_url(reports_world, reports_world.other_officer)).status_code == 200
    assert client.get(sheet_url(reports_world, reports_world.officer)).status_code == 404
    denied = AuditEvent.objects.get(action="access.denied", object_type="reports.evaluation_sheet")
    assert denied.actor == reports_world.other_officer and denied.object_id == str(reports_world.officer.pk)


@pytest.mark.parametrize("persona", ["supervisor", "dispatcher", "case_manager", "outsider"])
def test_other_roles_get_a_404(client, reports_world, persona):
    client.force_login(getattr(reports_world, persona))
    for suffix in ("", "pdf", "csv"):
        assert client.get(sheet_url(reports_world, reports_world.officer, suffix)).status_code == 404


def test_command_staff_do_not_see_another_agencys_officer(client, reports_world):
    client.force_login(reports_world.command)
    assert client.get(sheet_url(reports_world, reports_world.deputy)).status_code == 404


def test_unknown_ids_are_404_and_bad_periods_400(client, reports_world):
    client.force_login(reports_world.coordinator)
    assert client.get(reverse("reports:evaluation_sheet", args=[reports_world.program.pk, 999999])).status_code == 404
    # The URL pattern takes ids only now, so a word is refused before any view runs.
    assert client.get(f"/reports/programs/{reports_world.program.pk}/officers/abc/").status_code == 404
    assert client.get(sheet_url(reports_world, reports_world.officer, period="2026-00")).status_code == 400


def test_the_sheet_counts_the_officers_referrals_and_suppresses_their_outcomes(client, reports_world):
    client.force_login(reports_world.coordinator)
    html = client.get(sheet_url(reports_world, reports_world.officer)).content.decode()
    assert ">30<" in html and "rank 1 of 3" in html
    assert "by quarter" in html  # a month of one officer is too few people to publish
    assert "<dfn>Quality referral</dfn>: Referrals whose person engaged in treatment within 30 days" in html
    small = client.get(sheet_url(reports_world, reports_world.other_officer, period="2026-Q1")).content.decode()
    # 3 quality referrals of 4, none of them consented: the part the officer cannot see is small, so the
    # figure is withheld with no label (README rule 5), as on the leaderboard.
    assert re.search(r'Quality referrals</div><div class="stat">withheld</div>', small)


def test_the_csv_is_audited_and_holds_no_participant_identifiers(client, reports_world):
    reports_world.officer.first_name = '=HYPERLINK("http://x")'
    reports_world.officer.save(update_fields=["first_name"])
    Commendation.objects.create(
        program=reports_world.program,
        officer=reports_world.officer,
        written_by=reports_world.command,
        text="@SUM(1+1) great night shift",
        created_at=MARCH,
    )
    client.force_login(reports_world.coordinator)
    response = client.get(sheet_url(reports_world, reports_world.officer, "csv", period="2026-Q1"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["section", "measure", "value"]
    values = {row[1]: row[2] for row in rows[1:]}
    assert values["Referrals made"] == "55"
    assert values["Name"].startswith("'=HYPERLINK")  # CSV injection defused
    assert any(row[2].startswith("'@SUM") for row in rows)
    for name in PARTICIPANT_NAMES:
        assert name not in body
    assert AuditEvent.objects.filter(action="evaluation_sheet.csv", actor=reports_world.coordinator).exists()


def test_the_pdf_is_audited_and_names_no_participant(client, reports_world, tmp_path):
    client.force_login(reports_world.command)
    response = client.get(sheet_url(reports_world, reports_world.officer, "pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "sheet.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Deflection summary" in text and "30" in text
    for name in PARTICIPANT_NAMES:
        assert name not in text
    assert AuditEvent.objects.filter(action="evaluation_sheet.pdf", actor=reports_world.command).exists()
