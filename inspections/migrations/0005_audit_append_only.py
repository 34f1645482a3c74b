"""On PostgreSQL, refuse UPDATE and DELETE of audit events in the database itself.

The model and its queryset already refuse both in Python; this trigger also
stops raw SQL, other programs and a compromised app path. TRUNCATE is left to
the table owner (test database flushes use it); production should run the app
under a role that does not own the table. SQLite has no such need: it is the
embedded demo database.
"""
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION dudao_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'inspections_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS inspections_auditevent_append_only ON inspections_auditevent;
CREATE TRIGGER inspections_auditevent_append_only
    BEFORE UPDATE OR DELETE ON inspections_auditevent
    FOR EACH ROW EXECUTE FUNCTION dudao_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS inspections_auditevent_append_only ON inspections_auditevent;
DROP FUNCTION IF EXISTS dudao_audit_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("inspections", "0004_clues_draws"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False),
    ]
