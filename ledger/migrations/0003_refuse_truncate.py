"""On PostgreSQL TRUNCATE of the journal or of its voucher links is refused by a statement
trigger (a row trigger never sees TRUNCATE; `TRUNCATE ledger_journalentry CASCADE` used to
empty the books in one statement, issue 15 #3). The application's own database role has no
TRUNCATE privilege at all (scripts/db-roles); this holds against the owner too. Test flushes run
past it as a superuser (tests/conftest.py)."""

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
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION fundadmin_refuse_change();
"""
REVERSE = "DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};"


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
    dependencies = [("ledger", "0002_append_only_triggers")]
    operations = [migrations.RunPython(forwards, backwards)]
