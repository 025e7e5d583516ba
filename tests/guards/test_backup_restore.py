"""Backup and restore (docs/backup.md): pg_dump the suite's PostgreSQL database in custom format,
pg_restore it into a new database, and run `verify_audit` and `check_ledger` there — the same
commands, with DATABASE_URL pointing at the restored copy. The append-only triggers come back too."""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from audit.models import AuditEvent
from ledger.models import JournalEntry
from projects.models import Status
from tests.conftest import superuser_dsn
from tests.projects.helpers import Clock, new_project, walk

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def pg_tool(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    assert found, f"{name} not found under /usr/lib/postgresql/*/bin (install Debian's postgresql-client)"
    return found[-1]


def dsn(name: str) -> str:
    # The backup is taken and restored as the database's superuser (the suite itself runs as the
    # app role, which may not create databases; docs/backup.md).
    return superuser_dsn(name)


def manage(command: str, database_url: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "fundadmin.settings.test",
        # The restored copy's checkpoints are checked with the same signing key (docs/backup.md:
        # the key is backed up apart from the database).
        "FUNDADMIN_CHECKPOINT_KEY": str(settings.FUNDADMIN_CHECKPOINT_KEY_FILE),
    }
    return subprocess.run(
        [sys.executable, "manage.py", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def restored_name():
    name = f"fundadmin_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_dump_restores_into_a_database_that_passes_both_checks(
    people, fund_year_with_money, time_machine, tmp_path, restored_name
):
    walk(new_project(people, fund_year_with_money), people, Status.CLOSED, Clock(time_machine))
    events, entries = AuditEvent.objects.count(), JournalEntry.objects.count()
    assert events and entries

    dump = tmp_path / "fundadmin.dump"
    source = connection.settings_dict["NAME"]
    subprocess.run(
        [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(dump), "--dbname", dsn(source)],
        check=True,
        timeout=300,
    )
    subprocess.run(
        [pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--dbname", dsn(restored_name), str(dump)],
        check=True,
        timeout=300,
    )

    copy = dsn(restored_name)
    with psycopg.connect(copy) as db:
        assert db.execute("SELECT count(*) FROM audit_auditevent").fetchone()[0] == events
        assert db.execute("SELECT count(*) FROM ledger_journalentry").fetchone()[0] == entries
        # The restored trail is still append-only.
        with pytest.raises(psycopg.Error):
            db.execute("UPDATE audit_auditevent SET reason = 'x'")
    for command in ("verify_audit", "check_ledger"):
        result = manage(command, copy)
        assert result.returncode == 0, f"{command} on the restored copy:\n{result.stdout}\n{result.stderr}"
