"""On PostgreSQL the database itself refuses UPDATE and DELETE on the journal and on the links
from entries to their vouchers (Art. 17, 19): a bug or a hand-typed query cannot rewrite the books.
A correction is a reversing entry. The function is the one the audit app installs; it is created
again here (CREATE OR REPLACE) so this migration does not depend on the order apps migrate in.

SQLite (the embedded demo database) gets no trigger: Django's test flush deletes rows there."""

from django.db import migrations

TABLES = ["ledger_journalentry", "ledger_journalentry_vouchers"]

FUNCTION = """
CREATE OR REPLACE FUNCTION fundadmin_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
TRIGGER = """
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION fundadmin_refuse_change();
"""
REVERSE = "DROP TRIGGER IF EXISTS {table}_append_only ON {table};"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(TRIGGER.format(table=table), params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(REVERSE.format(table=table), params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
