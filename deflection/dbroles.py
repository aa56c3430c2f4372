"""The two database roles (SECURITY.md 26): an owner that migrates, and the role the app runs as.

The app role can read and write the application's tables but owns none of them, so it cannot
TRUNCATE, ALTER or DROP a table or disable a trigger. On the audit table it may only SELECT and
INSERT; the append-only trigger refuses UPDATE and DELETE even to the owner.

Used by `deflection.stack` (creates the app role) and by `manage.py migrate` (re-grants after
every migration, so a new table is covered at once). Plain SQL on a DB-API cursor: no Django needed.
"""

from __future__ import annotations

from psycopg import sql

AUDIT_TABLE = "deflection_auditevent"
DEFAULT_APP_ROLE = "deflection_app"


def ensure_role(cursor, role: str, password: str) -> None:
    """Create the login role (no superuser, no CREATEDB, no CREATEROLE) or reset its password."""
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    statement = "ALTER ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}"
    if cursor.fetchone() is None:
        statement = "CREATE ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}"
    try:
        cursor.execute(sql.SQL(statement).format(sql.Identifier(role), sql.Literal(password)))
    except Exception as exc:  # another process created it between our check and CREATE
        if "already exists" not in str(exc):
            raise


def grant_app_role(cursor, role: str) -> None:
    """Give `role` the app's privileges on every table and sequence of the current database."""
    ident = sql.Identifier(role)
    statements = [
        "GRANT USAGE ON SCHEMA public TO {role}",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        "REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {role}",
        "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        # The audit trail: read and append only.
        "REVOKE UPDATE, DELETE, TRUNCATE ON {audit} FROM {role}",
    ]
    for statement in statements:
        cursor.execute(sql.SQL(statement).format(role=ident, audit=sql.Identifier(AUDIT_TABLE)))
