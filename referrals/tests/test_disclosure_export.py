"""The accounting of disclosures for one person: complete, no row cap, across a merge, audited (SECURITY.md 32)."""

import csv
import io
import subprocess

from django.urls import reverse

from deflection.models import AuditEvent
from referrals import disclosure, services
from referrals.models import Status
from referrals.tests.factories import ConsentFactory, ParticipantFactory, ReferralFactory

MANY = 260  # more than the page ever listed (200)


def test_export_includes_the_merged_away_records_history_without_a_cap(client, rworld, tmp_path):
    survivor = ParticipantFactory(program=rworld.program, first_name="William", last_name="Smithers")
    merged_away = ParticipantFactory(program=rworld.program, first_name="Bill", last_name="Smithers")
    ReferralFactory(program=rworld.program, participant=survivor, officer=rworld.officer, provider=rworld.provider)
    referral = ReferralFactory(
        program=rworld.program,
        participant=merged_away,
        officer=rworld.officer,
        agency=rworld.police,
        provider=rworld.provider,
        status=Status.CONTACTED,
    )
    ConsentFactory(
        participant=merged_away,
        disclosing_agency=rworld.provider,
        witnessed_by=rworld.case_manager,
        recipient_officer=rworld.officer,
    )
    client.force_login(rworld.officer)
    client.get(reverse("referrals:mine"))  # one disclosure, logged under the record that is merged away next
    view = disclosure.OfficerView("The case manager has talked with the person", consent_id=1, level="status")
    for _ in range(MANY - 1):
        AuditEvent.objects.bulk_create(
            disclosure.disclosure_records(
                referrals_and_views=[(referral, view)], viewer=rworld.officer, ip_address=None, channel="digest"
            )
        )
    services.participants_merge(survivor=survivor, duplicate=merged_away, by=rworld.case_manager)
    assert AuditEvent.objects.filter(action="disclosure", object_id=str(merged_away.pk)).count() == MANY

    client.force_login(rworld.case_manager)
    response = client.get(reverse("referrals:disclosures_csv", args=[survivor.pk]))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == MANY
    assert {row["recipient"] for row in rows} == {rworld.officer.username}  # the recipient, not the actor
    assert rows[0]["channel"] == "web" and rows[0]["referral"] == str(referral.pk)
    assert rows[0]["time"].endswith(("-06:00", "-05:00"))  # America/Chicago, the program's time zone

    pdf = client.get(reverse("referrals:disclosures_pdf", args=[survivor.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    path = tmp_path / "accounting.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert f"{MANY} disclosures" in text
    exports = AuditEvent.objects.filter(action="participant.disclosures_export", actor=rworld.case_manager)
    assert sorted(exports.values_list("detail__format", flat=True)) == ["csv", "pdf"]


def test_another_provider_cannot_export_and_is_audited(client, rworld, second_provider):
    person = ParticipantFactory(program=rworld.program)
    ReferralFactory(program=rworld.program, participant=person, officer=rworld.officer, provider=rworld.provider)
    client.force_login(rworld.peer)
    assert client.get(reverse("referrals:disclosures_csv", args=[person.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=rworld.peer).exists()


def test_the_page_and_the_export_name_the_recipient_not_who_disclosed(client, rworld):
    """A case manager's message is disclosed by the case manager to the officer: the accounting names the officer."""
    person = ParticipantFactory(program=rworld.program)
    referral = ReferralFactory(
        program=rworld.program, participant=person, officer=rworld.officer, agency=rworld.police, provider=rworld.provider
    )
    consent = ConsentFactory(
        participant=person, disclosing_agency=rworld.provider, witnessed_by=rworld.case_manager, recipient_officer=rworld.officer
    )
    view = disclosure.OfficerView("case manager message 7", consent_id=consent.pk, level="status")
    AuditEvent.objects.bulk_create(
        disclosure.disclosure_records(
            referrals_and_views=[(referral, view)],
            viewer=rworld.officer,
            actor=rworld.case_manager,
            ip_address=None,
            channel="message",
        )
    )
    client.force_login(rworld.case_manager)
    page = client.get(reverse("referrals:participant", args=[person.pk])).content.decode()
    table = page.split('aria-label="Disclosures about this person"')[1].split("</table>")[0]
    assert f"<td>{rworld.officer.username}</td>" in table
    assert rworld.case_manager.username not in table
    rows = list(csv.DictReader(io.StringIO(client.get(reverse("referrals:disclosures_csv", args=[person.pk])).content.decode())))
    assert [row["recipient"] for row in rows] == [rworld.officer.username]
