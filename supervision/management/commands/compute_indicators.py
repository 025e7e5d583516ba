from fundadmin.jobs import ScheduledCommand
from supervision.indicators.kinds import Kind
from supervision.indicators.services import indicators_compute


class Command(ScheduledCommand):
    help = (
        "计算全市的廉政预警（《细则》第十九条）并保存计算日期、所用阈值和所依据的数据（审计链序号）。每日由 cron 运行。"
    )

    def handle(self, *args, **options):
        run = indicators_compute()
        counts = "，".join(f"{Kind(k).label} {v}" for k, v in sorted(run.counts.items())) or "无"
        self.stdout.write(
            f"廉政预警计算 #{run.pk}：{run.fired} 项触发（{counts}），依据截至审计链第 {run.trail_seq} 号的数据，用时 {run.duration_ms} 毫秒。"
        )
