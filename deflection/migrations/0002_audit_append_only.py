"""Make the audit table append-only in the database itself (SECURITY.md 9).

A row-level trigger refuses UPDATE and DELETE whether they come from the ORM
or from raw SQL. TRUNCATE stays possible for the table owner so that a test
database can be flushed; production roles should not own the table.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION deflection_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'deflection_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER deflection_auditevent_append_only
    BEFORE UPDATE OR DELETE ON deflection_auditevent
    FOR EACH ROW EXECUTE FUNCTION deflection_audit_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS deflection_auditevent_append_only ON deflection_auditevent;
DROP FUNCTION IF EXISTS deflection_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("deflection", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
