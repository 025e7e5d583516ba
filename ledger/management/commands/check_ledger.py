from django.core.management.base import CommandError

from fundadmin.jobs import ScheduledCommand
from ledger.verification import ledger_verify


class Command(ScheduledCommand):
    help = "核对专项经费台账：逐笔重算各年度余额并检查不变量，发现问题时以非零状态退出。"

    def handle(self, *args, **options):
        problems = ledger_verify()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"台账核对发现 {len(problems)} 个问题")
        self.stdout.write("台账核对无误。")
