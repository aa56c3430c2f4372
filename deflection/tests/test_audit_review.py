"""The coordinators' audit review page and its CSV export (CJIS weekly review)."""

import csv
import io
from datetime import UTC, datetime

import time_machine
from django.urls import reverse

from deflection.audit import audit_log
from deflection.auditchain import Head, head_problems
from deflection.models import AuditEvent, AuditOutcome
from deflection.tasks import send_audit_review_digests


def _events(world):
    audit_log(action="login.failed", username="officer", outcome=AuditOutcome.FAILURE)
    audit_log(action="login.locked", username="officer", outcome=AuditOutcome.DENIED)
    audit_log(
        action="access.denied",
        actor=world.case_manager,
        object_type="referrals.referral",
        object_id=7,
        outcome=AuditOutcome.DENIED,
    )
    audit_log(action="consent.pdf", actor=world.case_manager, object_type="referrals.consent", object_id=3)
    audit_log(action="breakglass.open", actor=world.case_manager, object_type="referrals.participant", object_id=4)
    audit_log(action="participant.view", actor=world.case_manager)  # routine: not part of the review
    audit_log(action="login.failed", username="outsider", outcome=AuditOutcome.FAILURE)  # another program's person


def test_coordinator_sees_the_reviewed_kinds_of_their_program_only(client, world, django_assert_max_num_queries):
    _events(world)
    for _ in range(30):
        audit_log(action="access.denied", actor=world.officer, outcome=AuditOutcome.DENIED)
    client.force_login(world.coordinator)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("audit_review"))
    assert response.status_code == 200
    events = list(response.context["page"])
    actions = {e.action for e in events}
    assert actions == {"login.failed", "login.locked", "access.denied", "consent.pdf", "breakglass.open"}
    assert "outsider" not in {e.actor_username for e in events}
    assert {e.kind for e in events if e.action == "consent.pdf"} == {"PDF downloads"}


def test_filters_by_kind_and_user(client, world):
    _events(world)
    client.force_login(world.coordinator)
    response = client.get(reverse("audit_review"), {"kind": "failed_login", "user": "OFFICER"})
    assert [e.action for e in response.context["page"]] == ["login.failed"]
    response = client.get(reverse("audit_review"), {"kind": "break_glass"})
    assert [e.action for e in response.context["page"]] == ["breakglass.open"]


def test_date_range_is_in_the_program_time_zone(client, world):
    # 03:30 UTC on 2 March is still 1 March in Chicago.
    with time_machine.travel(datetime(2026, 3, 2, 3, 30, tzinfo=UTC)):
        audit_log(action="login.failed", username="officer", outcome=AuditOutcome.FAILURE)
    client.force_login(world.coordinator)
    march_first = client.get(reverse("audit_review"), {"start": "2026-03-01", "end": "2026-03-01"})
    assert len(march_first.context["page"]) == 1
    march_second = client.get(reverse("audit_review"), {"start": "2026-03-02", "end": "2026-03-02"})
    assert len(march_second.context["page"]) == 0


def test_nonsense_dates_are_a_400_with_a_message(client, world):
    client.force_login(world.coordinator)
    for params in ({"start": "9999-12-31"}, {"end": "0001-01-01"}, {"start": "2026-03-02", "end": "2026-03-01"}):
        assert client.get(reverse("audit_review"), params).status_code == 400


def test_csv_export_is_audited_and_carries_no_names(client, world):
    _events(world)
    client.force_login(world.coordinator)
    response = client.get(reverse("audit_review_csv"), {"kind": "denied"})
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "when (program time)"
    assert [r[3] for r in rows[1:]] == ["access.denied"]
    for person in (world.case_manager, world.officer):
        assert person.last_name not in body and person.first_name not in body
    assert AuditEvent.objects.filter(action="audit_review.csv", actor=world.coordinator).exists()


def test_only_coordinators_and_administrators_open_the_review(client, world):
    for user in (world.officer, world.case_manager, world.command):
        client.force_login(user)
        assert client.get(reverse("audit_review")).status_code == 404
        assert client.get(reverse("audit_review_csv")).status_code == 404
    client.force_login(world.administrator)
    assert client.get(reverse("audit_review")).status_code == 200


def test_weekly_digest_sends_counts_and_a_link_once_per_program_week(world, mailoutbox):
    # Wednesday 4 March 2026 (Chicago): two failed sign-ins and a break-glass in that week.
    with time_machine.travel(datetime(2026, 3, 4, 18, 0, tzinfo=UTC)):
        audit_log(action="login.failed", username="officer", outcome=AuditOutcome.FAILURE)
        audit_log(action="login.failed", username="dispatcher", outcome=AuditOutcome.FAILURE)
        audit_log(action="breakglass.open", actor=world.case_manager, object_type="referrals.participant", object_id=9)
    # Monday 9 March, 06:30 in Chicago: not yet.
    with time_machine.travel(datetime(2026, 3, 9, 11, 30, tzinfo=UTC)):
        send_audit_review_digests()
    assert not [m for m in mailoutbox if "audit review" in m.subject]
    # 08:00 in Chicago: sent; a second run (or a second worker) sends nothing more.
    with time_machine.travel(datetime(2026, 3, 9, 13, 0, tzinfo=UTC)):
        send_audit_review_digests()
        send_audit_review_digests()
    digests = [m for m in mailoutbox if "audit review" in m.subject and world.coordinator.email in m.to]
    assert len(digests) == 1
    body = digests[0].body
    assert "Failed sign-ins: 2" in body and "Break-glass: 1" in body and "Lockouts: 0" in body
    assert "/audit/?program=" in body and "start=2026-03-02" in body and "end=2026-03-08" in body
    # The chain head, an outside witness of the trail's tail (deflection/auditchain.py).
    noted = Head.parse(body.split("audit_verify --head): ")[1].split()[0])
    assert head_problems(noted) == []
    for person in (world.officer, world.case_manager, world.dispatcher):
        assert person.last_name not in body and person.username not in body


def test_a_username_a_spreadsheet_would_run_is_exported_as_text(client, world):
    # Django usernames may start with '-', '+' or '@': opened in Excel, "-2+3" would be a formula.
    world.officer.username = "-2+3"
    world.officer.save(update_fields=["username"])
    audit_log(action="login.failed", username="-2+3", outcome=AuditOutcome.FAILURE)
    client.force_login(world.coordinator)
    response = client.get(reverse("audit_review_csv"), {"kind": "failed_login"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r[2] for r in rows[1:]] == ["'-2+3"]
