"""The audit trail the application cannot rewrite (SECURITY.md 26): two roles, a hash chain, audit_verify."""

import threading

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from deflection.audit import audit_log
from deflection.dbroles import ensure_role, grant_app_role
from deflection.models import AuditEvent

APP_ROLE = "deflection_app_test"
APP_PASSWORD = "app-role-test-password"


def _as_owner(sql, params=None):
    with connection.cursor() as cursor:
        # The test's open transaction holds deferred foreign-key checks, which ALTER TABLE refuses to skip.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql, params)


def _app_role_connection():
    """A new connection to the test database as a role granted exactly what `migrate` grants the app."""
    with connection.cursor() as cursor:
        ensure_role(cursor, APP_ROLE, APP_PASSWORD)
        grant_app_role(cursor, APP_ROLE)
    cfg = connection.settings_dict
    return psycopg.connect(
        host=cfg["HOST"] or None, port=cfg["PORT"] or None, dbname=cfg["NAME"], user=APP_ROLE, password=APP_PASSWORD
    )


def test_a_tail_cut_off_by_the_owner_is_found_against_a_noted_head(db, capsys):
    events = [audit_log(action=f"test.{n}") for n in range(4)]
    call_command("audit_verify")
    head = capsys.readouterr().out.split("Chain head: ")[1].split()[0]
    assert head.startswith(f"{events[-1].pk}:")
    _as_owner("ALTER TABLE deflection_auditevent DISABLE TRIGGER deflection_auditevent_append_only")
    _as_owner("DELETE FROM deflection_auditevent WHERE id >= %s", [events[2].pk])
    _as_owner("ALTER TABLE deflection_auditevent ENABLE TRIGGER deflection_auditevent_append_only")
    call_command("audit_verify")  # the walk alone cannot see it: what is left is a whole chain
    with pytest.raises(CommandError):
        call_command("audit_verify", head=head)
    assert f"audit event {events[-1].pk}: missing" in capsys.readouterr().err
    with pytest.raises(CommandError, match="ID:HASH"):
        call_command("audit_verify", head="not-a-head")


@pytest.mark.django_db(transaction=True)
def test_app_role_cannot_truncate_alter_disable_trigger_update_or_delete_the_audit_table():
    audit_log(action="test.before")
    with _app_role_connection() as app:
        app.autocommit = True
        # It can do its job: read and append.
        app.execute(
            "INSERT INTO deflection_auditevent (at, actor_username, action, object_type, object_id, outcome, "
            "detail, prev_hash, row_hash) VALUES (now(), '', 'test.app_role', '', '', 'success', '{}', '', '')"
        )
        assert app.execute("SELECT count(*) FROM deflection_auditevent").fetchone()[0] == 2
        refused = [
            "TRUNCATE deflection_auditevent",
            "ALTER TABLE deflection_auditevent ADD COLUMN sneaky text",
            "ALTER TABLE deflection_auditevent DISABLE TRIGGER deflection_auditevent_append_only",
            "ALTER TABLE deflection_auditevent DISABLE TRIGGER deflection_auditevent_chain",
            "ALTER TABLE deflection_auditevent DISABLE TRIGGER ALL",
            "DROP TRIGGER deflection_auditevent_append_only ON deflection_auditevent",
            "UPDATE deflection_auditevent SET outcome = 'denied'",
            "DELETE FROM deflection_auditevent",
        ]
        for statement in refused:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
    assert AuditEvent.objects.count() == 2
    call_command("audit_verify")


def test_each_audit_row_is_chained_to_the_one_before(db):
    first = audit_log(action="test.one")
    second = audit_log(action="test.two")
    rows = dict(AuditEvent.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "prev_hash"))
    hashes = dict(AuditEvent.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "row_hash"))
    assert rows[second.pk] == hashes[first.pk]
    assert len(hashes[second.pk]) == 64


def test_audit_verify_reports_a_row_the_owner_altered(db, capsys):
    events = [audit_log(action=f"test.{n}") for n in range(3)]
    call_command("audit_verify")
    _as_owner("ALTER TABLE deflection_auditevent DISABLE TRIGGER deflection_auditevent_append_only")
    _as_owner("UPDATE deflection_auditevent SET outcome = 'failure' WHERE id = %s", [events[1].pk])
    _as_owner("ALTER TABLE deflection_auditevent ENABLE TRIGGER deflection_auditevent_append_only")
    with pytest.raises(CommandError):
        call_command("audit_verify")
    assert f"audit event {events[1].pk}: altered" in capsys.readouterr().err


def test_audit_verify_reports_a_row_the_owner_deleted(db, capsys):
    events = [audit_log(action=f"test.{n}") for n in range(3)]
    _as_owner("ALTER TABLE deflection_auditevent DISABLE TRIGGER deflection_auditevent_append_only")
    _as_owner("DELETE FROM deflection_auditevent WHERE id = %s", [events[1].pk])
    _as_owner("ALTER TABLE deflection_auditevent ENABLE TRIGGER deflection_auditevent_append_only")
    with pytest.raises(CommandError):
        call_command("audit_verify")
    err = capsys.readouterr().err
    assert f"audit event {events[2].pk}: broken link" in err
    assert "altered" not in err


def test_audit_verify_reports_a_forged_row_inserted_by_the_owner(db, capsys):
    events = [audit_log(action=f"test.{n}") for n in range(2)]
    _as_owner("ALTER TABLE deflection_auditevent DISABLE TRIGGER deflection_auditevent_chain")
    _as_owner(
        "INSERT INTO deflection_auditevent (id, at, actor_username, action, object_type, object_id, outcome, detail, "
        "prev_hash, row_hash) VALUES (%s, now(), '', 'forged', '', '', 'success', '{}', '', '')",
        [events[0].pk + 1000000],
    )
    _as_owner("ALTER TABLE deflection_auditevent ENABLE TRIGGER deflection_auditevent_chain")
    with pytest.raises(CommandError):
        call_command("audit_verify")
    assert f"audit event {events[0].pk + 1000000}" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    def write(n):
        try:
            for i in range(10):
                audit_log(action=f"test.thread{n}.{i}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert AuditEvent.objects.count() == 40
    call_command("audit_verify")
