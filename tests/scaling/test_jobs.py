"""Scheduled jobs run once per cluster (docs/scaling.md 4, fundadmin.jobs).

Every app server's crontab calls the same commands with --once-per-day; the first claim of
(job, day) wins and the others say so in one line and exit 0.
"""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.models import VerificationRun
from fundadmin.jobs import job_claim
from fundadmin.models import JobRun

pytestmark = pytest.mark.django_db

BEIJING = dt.timezone(dt.timedelta(hours=8))
SCHEDULED = ["send_reminders", "verify_audit", "check_ledger", "sync_role_permissions"]


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def day(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 30, 2, 30, tzinfo=BEIJING))
    return dt.date(2026, 11, 30)


@pytest.mark.parametrize("command", SCHEDULED)
def test_every_scheduled_command_runs_once_per_day(command, day):
    first = run(command, "--once-per-day")
    second = run(command, "--once-per-day")
    assert "本次跳过" not in first
    assert second.count("\n") == 1 and f"{command} {day}：已由 " in second and "本次跳过" in second
    assert JobRun.objects.get(job=command, period=str(day)).outcome == JobRun.Outcome.DONE


def test_the_work_is_done_once_on_the_same_day_and_again_the_next(day, time_machine):
    run("verify_audit", "--once-per-day")
    run("verify_audit", "--once-per-day")
    assert VerificationRun.objects.count() == 1
    time_machine.move_to(dt.datetime(2026, 12, 1, 2, 30, tzinfo=BEIJING))
    run("verify_audit", "--once-per-day")
    assert VerificationRun.objects.count() == 2
    assert sorted(JobRun.objects.values_list("period", flat=True)) == ["2026-11-30", "2026-12-01"]


def test_without_the_flag_a_command_always_runs(day):
    run("verify_audit", "--once-per-day")
    run("verify_audit")  # by hand: no claim, no refusal
    assert VerificationRun.objects.count() == 2
    assert JobRun.objects.count() == 1


def test_reminders_claim_the_day_they_are_for(day):
    run("send_reminders", "--once-per-day", "--date", "2026-11-27")
    assert "本次跳过" in run("send_reminders", "--once-per-day", "--date", "2026-11-27")
    assert "本次跳过" not in run("send_reminders", "--once-per-day")  # today is another period
    run("send_reminders", "--once-per-day", "--dry-run")  # a dry run claims nothing
    assert sorted(JobRun.objects.values_list("period", flat=True)) == ["2026-11-27", "2026-11-30"]


def test_a_failed_run_is_kept_and_retried(day, monkeypatch):
    from ledger.management.commands import check_ledger

    monkeypatch.setattr(check_ledger, "ledger_verify", lambda: ["余额不符"])
    with pytest.raises(CommandError):
        run("check_ledger", "--once-per-day")
    failed = JobRun.objects.get(job="check_ledger")
    assert failed.outcome == JobRun.Outcome.FAILED and "台账核对发现 1 个问题" in failed.message
    assert failed.finished_at is not None

    monkeypatch.setattr(check_ledger, "ledger_verify", lambda: [])
    assert "台账核对无误" in run("check_ledger", "--once-per-day")  # the retry claims the day again
    assert list(JobRun.objects.order_by("pk").values_list("outcome", flat=True)) == ["failed", "done"]


def test_a_second_claim_is_refused_without_breaking_the_transaction(day):
    assert job_claim(job="demo", period="2026-11-30") is not None
    assert job_claim(job="demo", period="2026-11-30") is None
    assert job_claim(job="demo", period="2026-12-01") is not None
    assert JobRun.objects.count() == 2  # the database is still usable after the refused insert


def race(target, n=2):
    barrier = threading.Barrier(n)
    results: list = []

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(target())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_claims_on_postgresql_win_once():
    for attempt in range(5):
        results = race(lambda a=attempt: job_claim(job="race", period=f"2026-11-{a + 1:02d}"), n=4)
        assert len(results) == 4
        assert sum(r is not None for r in results) == 1
    assert JobRun.objects.filter(job="race").count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_servers_starting_verify_audit_together_verify_once():
    outputs = race(lambda: run("verify_audit", "--once-per-day"))
    assert sum("本次跳过" in out for out in outputs) == 1
    assert VerificationRun.objects.count() == 1
    assert JobRun.objects.get(job="verify_audit").outcome == JobRun.Outcome.DONE
