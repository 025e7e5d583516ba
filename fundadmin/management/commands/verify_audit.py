from django.core.management.base import CommandError

from audit.services import chain_verify_and_store
from fundadmin.jobs import ScheduledCommand


class Command(ScheduledCommand):
    help = (
        "重新计算审计链的哈希，并与数据库外的每个签名检查点（以及纸质公示上的留痕编号）核对；"
        "列出发现的每一处问题，指出数据库与之矛盾的第一个检查点（Art. 19）。"
        "默认从上次核验确认的检查点起增量核验，--full 从头核验全部事件。"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--full", action="store_true", help="从第 1 号事件起全量核验（默认自上次确认的检查点起增量核验）。"
        )
        parser.add_argument(
            "--paper",
            action="append",
            default=[],
            metavar="N:摘要",
            help="纸质公示上印的留痕编号，例如 640:3FA9C01B（可重复）。",
        )

    def handle(self, *args, **options):
        run = chain_verify_and_store(full=options["full"], paper=options["paper"])
        if not run.ok:
            for problem in run.problems:
                self.stderr.write(f"- {problem}")
            raise CommandError(run.message)
        self.stdout.write(run.message)
