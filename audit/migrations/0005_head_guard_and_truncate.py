"""On PostgreSQL the head row (audit_audithead) can only move forward by one, onto the event
just appended whose prev_hash is the old head; it cannot be deleted, and it can be created only
to match the chain's last event. A hand-typed `UPDATE audit_audithead SET seq=1` used to make
every later append and verify_audit crash on a duplicate sequence number (issue 15, #2).

TRUNCATE of the trail or its head is refused by a statement trigger (a row trigger never sees
it). Test flushes run past the triggers as a superuser (tests/conftest.py); a superuser can
always do so, which is why the signed checkpoints outside the database exist (audit/checkpoints.py).

SQLite (the embedded demo database) gets no trigger: Django's test flush deletes rows there."""

from django.db import migrations

POSTGRES = """
CREATE OR REPLACE FUNCTION fundadmin_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION fundadmin_audit_head_guard() RETURNS trigger AS $$
DECLARE
    tip_seq bigint;
    tip_hash varchar;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit head: DELETE refused';
    END IF;
    IF NEW.id <> 1 THEN
        RAISE EXCEPTION 'audit head: there is one head row (id 1)';
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT seq, hash INTO tip_seq, tip_hash FROM audit_auditevent ORDER BY seq DESC LIMIT 1;
        IF (tip_seq IS NULL AND NEW.seq = 0 AND NEW.hash = repeat('0', 64))
           OR (NEW.seq = tip_seq AND NEW.hash = tip_hash) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit head: a new head must match the last event of the chain';
    END IF;
    IF NEW.seq = OLD.seq + 1 AND EXISTS (
        SELECT 1 FROM audit_auditevent e WHERE e.seq = NEW.seq AND e.hash = NEW.hash AND e.prev_hash = OLD.hash
    ) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit head may only advance by one, to the event just appended (% -> % refused)', OLD.seq, NEW.seq;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_audithead_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_audithead
    FOR EACH ROW EXECUTE FUNCTION fundadmin_audit_head_guard();
CREATE TRIGGER audit_auditevent_no_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION fundadmin_refuse_change();
CREATE TRIGGER audit_audithead_no_truncate BEFORE TRUNCATE ON audit_audithead
    FOR EACH STATEMENT EXECUTE FUNCTION fundadmin_refuse_change();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS audit_audithead_guard ON audit_audithead;
DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_audithead_no_truncate ON audit_audithead;
DROP FUNCTION IF EXISTS fundadmin_audit_head_guard();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_checkpoints")]
    operations = [migrations.RunPython(forwards, backwards)]
