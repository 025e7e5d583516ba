"""Scheduled jobs that run once per cluster, however many app servers call them.

Every app server carries the same crontab (or systemd timers), so each scheduled command is
started on every server at about the same time. The first to insert a ``JobRun`` row for
(job, period) does the work; the database's unique constraint refuses the others, which say so
in one line and exit 0. This needs nothing but the one database every server already shares,
and behaves the same on SQLite and PostgreSQL.

A failed run is kept with its message and no longer blocks the period, so the next scheduled call
retries. A run killed outright (kill -9, power loss) stays ``running`` and blocks only its own
period; run the command by hand without ``--once-per-day`` to redo it.
"""

from __future__ import annotations

import os
import socket

from django.core.management.base import BaseCommand, OutputWrapper
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import JobRun


def job_claim(*, job: str, period: str) -> JobRun | None:
    """Claim ``job`` for ``period`` for the whole cluster; None when another run holds it.

    The claim commits on its own, before the work starts, so a second server's insert fails at
    once instead of waiting for the first server's work to finish. (Inside an outer transaction
    — tests — PostgreSQL makes the second insert wait for the first to commit or roll back,
    which gives the same answer.)
    """
    try:
        with transaction.atomic():
            return JobRun.objects.create(job=job, period=period, host=socket.gethostname()[:100], pid=os.getpid())
    except IntegrityError:
        return None


def job_holder(*, job: str, period: str) -> JobRun | None:
    """The run that holds the claim for (job, period), if any."""
    return JobRun.objects.filter(job=job, period=period).exclude(outcome=JobRun.Outcome.FAILED).first()


def job_finish(*, run: JobRun, ok: bool, message: str = "") -> None:
    run.outcome = JobRun.Outcome.DONE if ok else JobRun.Outcome.FAILED
    run.finished_at = timezone.now()
    run.message = message[:2000]
    run.save(update_fields=["outcome", "finished_at", "message"])


class ScheduledCommand(BaseCommand):
    """A management command meant for cron or a systemd timer on every app server.

    With ``--once-per-day`` it claims today's run (``job_period`` may name another day) and does
    the work only when the claim is its own; without it, it runs unconditionally, as by hand.
    Subclasses that add arguments call ``super().add_arguments(parser)``.
    """

    @property
    def job_name(self) -> str:
        return self.__module__.rsplit(".", 1)[-1]

    def add_arguments(self, parser):
        parser.add_argument(
            "--once-per-day",
            action="store_true",
            help="集群内每天只运行一次：另一台服务器今天已运行（或正在运行）时，本机只提示一行并正常退出。供每台服务器的 cron 调用。",
        )

    def job_period(self, options) -> str:
        return timezone.localdate().isoformat()

    def execute(self, *args, **options):
        if not options.get("once_per_day") or options.get("dry_run"):
            return super().execute(*args, **options)
        job, period = self.job_name, self.job_period(options)
        run = job_claim(job=job, period=period)
        if run is None:
            if options.get("stdout"):  # as BaseCommand.execute would (call_command(stdout=…))
                self.stdout = OutputWrapper(options["stdout"])
            holder = job_holder(job=job, period=period)
            by = (
                f"{holder.host}（进程 {holder.pid}）于 {timezone.localtime(holder.started_at):%H:%M:%S} "
                if holder
                else "另一台服务器"
            )
            self.stdout.write(f"{job} {period}：已由 {by}运行，本次跳过。")
            return ""
        try:
            output = super().execute(*args, **options)
        except BaseException as exc:
            job_finish(run=run, ok=False, message=f"{type(exc).__name__}: {exc}")
            raise
        job_finish(run=run, ok=True)
        return output
