import datetime

from django.core.management.base import CommandError
from django.utils import timezone

from fundadmin.jobs import ScheduledCommand
from supervision.reminders import reminders_send


class Command(ScheduledCommand):
    help = "给有待办事项的用户发送当天的待办提醒邮件（每人每天至多一封，可重复运行）。供 cron 调用。"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--date", help="按该日期计算（YYYY-MM-DD），默认今天")
        parser.add_argument("--dry-run", action="store_true", help="只统计，不发送")

    def job_period(self, options) -> str:
        return (self._day(options) or timezone.localdate()).isoformat()

    def _day(self, options) -> datetime.date | None:
        if not options["date"]:
            return None
        try:
            return datetime.date.fromisoformat(options["date"])
        except ValueError as exc:
            raise CommandError("日期格式应为 YYYY-MM-DD。") from exc

    def handle(self, *args, **options):
        today = self._day(options)
        run = reminders_send(today=today, dry_run=options["dry_run"])
        self.stdout.write(
            f"{run.day}：发送 {len(run.sent)} 封，今日已发送跳过 {run.skipped_already_sent} 人，"
            f"无待办 {run.skipped_nothing} 人，失败 {len(run.failed)} 人。"
        )
        if run.failed:
            raise CommandError("以下地址发送失败，下次运行时将重试：" + "、".join(run.failed))
