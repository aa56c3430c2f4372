"""The audit trail is append-only and records logins, failures and denied lookups."""

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction
from django.urls import reverse

from deflection.audit import AuditContext, audit_log
from deflection.models import AuditEvent

REFUSED = (InternalError, ProgrammingError, IntegrityError)


@pytest.fixture
def event(db):
    return audit_log(action="test.event", object_type="x", object_id="1")


def test_orm_update_is_refused(event):
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    event.refresh_from_db()
    assert event.action == "test.event"


def test_orm_save_of_existing_row_is_refused(event):
    event.action = "tampered"
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        event.save()


def test_orm_delete_is_refused(event):
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_raw_sql_update_and_delete_are_refused(event):
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE deflection_auditevent SET action = 'x' WHERE id = %s", [event.pk])
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM deflection_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_login_and_failed_login_are_audited(client, world):
    client.post(reverse("account_login"), {"login": "officer", "password": "wrong-password"})
    client.post(reverse("account_login"), {"login": "officer", "password": world.password})
    failed = AuditEvent.objects.get(action="login.failed")
    assert failed.actor_username == "officer"
    assert failed.outcome == "failure"
    assert failed.ip_address == "127.0.0.1"
    ok = AuditEvent.objects.get(action="login")
    assert ok.actor == world.officer
    assert ok.outcome == "success"


def test_audit_records_who_what_when_where_outcome(rf, world):
    request = rf.get("/", REMOTE_ADDR="10.1.2.3")
    request.user = world.officer
    event = audit_log(action="participant.view", request=request, object_type="referrals.participant", object_id=42)
    assert (event.actor, event.action, event.object_id, event.ip_address, event.outcome) == (
        world.officer,
        "participant.view",
        "42",
        "10.1.2.3",
        "success",
    )
    assert event.at.tzinfo is not None


def test_a_service_audits_who_and_from_where_through_an_audit_context(rf, world):
    """Services take AuditContext.from_request(request), not the request: the same who and where are recorded."""
    request = rf.get("/", REMOTE_ADDR="10.1.2.4")
    request.user = world.officer
    context = AuditContext.from_request(request)
    assert context == AuditContext(actor=world.officer, ip_address="10.1.2.4")
    event = audit_log(action="training.course.create", context=context, object_type="training.course", object_id=7)
    assert (event.actor, event.ip_address) == (world.officer, "10.1.2.4")
    system = audit_log(action="feedback.digest.send", context=AuditContext(), object_type="x", object_id=1)
    assert (system.actor, system.ip_address) == (None, None)
