"""On PostgreSQL (production) the database itself refuses UPDATE and DELETE on the trail
(Art. 17, 19): a bug or a hand-typed query cannot rewrite history without disabling the trigger
first, and even then the hash chain shows it. TRUNCATE (used by test flushes) is a table-level
operation an attacker needs owner rights for; it is not a row trigger's business.

SQLite (the embedded demo database) gets no trigger: Django's test flush deletes rows there."""

from django.db import migrations

TABLE = "audit_auditevent"

POSTGRES = f"""
CREATE OR REPLACE FUNCTION fundadmin_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION fundadmin_refuse_change();
"""
POSTGRES_REVERSE = f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};"

def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
