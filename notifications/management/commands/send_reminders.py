import datetime

from django.core.management.base import CommandError
from django.utils import timezone

from fundadmin.jobs import ScheduledCommand
from notifications.digest import digests_queue


class Command(ScheduledCommand):
    help = (
        "给有待办事项的用户生成当天的待办提醒邮件并放入发送队列（每人每天至多一封，可重复运行），"
        "由后台任务（manage.py db_worker）发送。供 cron 调用。"
    )

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
        run = digests_queue(today=today, dry_run=options["dry_run"])
        self.stdout.write(
            f"{run.day}：{len(run.queued)} 封已放入发送队列（由后台任务发送），今日已发送或已排队跳过 "
            f"{run.skipped_already_sent} 人，无待办 {run.skipped_nothing} 人。"
        )
