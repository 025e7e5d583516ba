"""The application's database role cannot erase the protections (issue 15, reproductions 2, 3).

The PostgreSQL run of .ci/run goes through scripts/with-postgres, which sets the database up as
a deployment does (scripts/db-roles): these tests run as the app role, and check it against the
owner role that ran the migrations."""

import os

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent, AuditHead
from audit.services import event_record
from tests.conftest import pg_dsn

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def refused(sql: str, match: str) -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.fixture
def chain():
    for i in range(3):
        event_record(action="test.write", obj=None, object_repr=f"事件 {i}")


def test_the_suite_runs_as_the_least_privileged_role():
    app = os.environ.get("DATABASE_APP_URL")
    assert app, "run the PostgreSQL suite through scripts/with-postgres (it sets up the two roles)"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        name, superuser, createrole, createdb, bypassrls = cursor.fetchone()
    assert name == "fundadmin_app" and not (superuser or createrole or createdb or bypassrls)


@pytest.mark.parametrize(
    "sql",
    [
        "TRUNCATE ledger_journalentry CASCADE",
        "TRUNCATE audit_auditevent",
        "TRUNCATE fundadmin_community CASCADE",  # would cascade into the trail
        "UPDATE audit_auditevent SET reason = 'x'",
        "DELETE FROM audit_auditevent",
        "UPDATE ledger_journalentry SET summary = 'x'",
        "DELETE FROM ledger_journalentry",
        "DELETE FROM ledger_journalentry_vouchers",
        "DELETE FROM audit_audithead",
        # The commitments (指标占用, issue 14) are kept like the journal.
        "TRUNCATE ledger_commitmententry",
        "UPDATE ledger_commitmententry SET amount = 1",
        "DELETE FROM ledger_commitmententry",
    ],
)
def test_the_app_role_has_no_privilege_to_rewrite_the_trail_or_the_journal(sql):
    refused(sql, "permission denied")


@pytest.mark.parametrize(
    ("sql", "match"),
    [
        ("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL", "must be owner"),
        ("ALTER TABLE ledger_journalentry DISABLE TRIGGER ledger_journalentry_append_only", "must be owner"),
        ("DROP TRIGGER audit_audithead_guard ON audit_audithead", "must be owner"),
        ("SET session_replication_role = replica", "permission denied"),
        ("CREATE TABLE evil (id int)", "permission denied"),
    ],
)
def test_the_app_role_cannot_switch_the_protections_off(sql, match):
    refused(sql, match)


def test_the_head_only_advances_by_one_onto_the_event_just_appended(chain):
    """Reproduction 2: `UPDATE audit_audithead SET seq=1` used to succeed, and then every append
    and verify_audit crashed on a duplicate sequence number."""
    head = AuditHead.objects.get()
    for sql in (
        "UPDATE audit_audithead SET seq = 1",
        "UPDATE audit_audithead SET seq = seq + 1",  # no such event yet
        f"UPDATE audit_audithead SET hash = '{'f' * 64}'",
        "INSERT INTO audit_audithead (id, seq, hash) VALUES (2, 0, repeat('0', 64))",
    ):
        refused(sql, "audit head")
    assert AuditHead.objects.get().seq == head.seq == 3
    # The normal path still works, and the chain goes on.
    assert event_record(action="test.write", obj=None, object_repr="再一条").seq == 4
    assert AuditEvent.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_the_owner_is_refused_too_by_the_triggers(chain):
    """Even the role that owns the tables (and ran the migrations) cannot truncate or rewrite
    them without first dropping a trigger — which a checkpoint outside the database would show."""
    owner = pg_dsn(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])
    with psycopg.connect(owner, autocommit=True) as db:
        for sql in (
            "TRUNCATE ledger_journalentry CASCADE",
            "TRUNCATE ledger_commitmententry",
            "TRUNCATE audit_auditevent CASCADE",  # CASCADE: other apps' tables point at events
            "TRUNCATE audit_audithead",
            "DELETE FROM audit_audithead",
            "UPDATE audit_audithead SET seq = 1",
            "UPDATE audit_auditevent SET reason = 'x'",
        ):
            with pytest.raises(psycopg.Error, match=r"refused|audit head"):
                db.execute(sql)
        # The owner may not switch triggers off wholesale either: that needs a superuser.
        with pytest.raises(psycopg.Error, match="permission denied"):
            db.execute("SET session_replication_role = replica")
    assert AuditEvent.objects.count() == 3
