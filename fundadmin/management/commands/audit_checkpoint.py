from django.core.management.base import CommandError

from audit.checkpoints import checkpoint_export, checkpoint_make, checkpoints_export_pending, file_name
from audit.models import Checkpoint
from audit.services import audit_verify
from fundadmin.jobs import ScheduledCommand


class Command(ScheduledCommand):
    help = (
        "生成一个签名的审计检查点（链头序号、哈希、时间）并写到数据库之外（每日定时：--once-per-day）。"
        "先写出此前未写出的检查点，再增量核验审计链；链有问题时不签名，以免为改动过的历史背书。"
    )

    def handle(self, *args, **options):
        pending = checkpoints_export_pending()
        if pending:
            self.stdout.write(f"补写出 {pending} 个此前未写出的检查点。")
        report = audit_verify()
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(f"- {problem}")
            raise CommandError(f"未生成检查点：{report.message}")
        reason = Checkpoint.Reason.DAILY if options.get("once_per_day") else Checkpoint.Reason.MANUAL
        checkpoint = checkpoint_export(checkpoint_make(reason=reason))
        self.stdout.write(
            f"检查点：第 {checkpoint.seq} 号，摘要 {checkpoint.hash[:8].upper()}，已写出为 {checkpoint.export_name or file_name(checkpoint)}"
        )
