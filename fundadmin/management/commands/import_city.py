from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fundadmin.onboarding import city_import


class Command(BaseCommand):
    help = (
        "从 Excel 导入城市数据（党工委、社区、用户、角色任命、年度经费；模板见“系统管理 › 导入城市数据”）。"
        "不加 --apply 只预览，不改变任何数据；加 --apply 时一次性全部导入，有任何一行出错则整份文件不导入。"
        "新用户收到设置密码的一次性链接邮件。适合在服务器上导入很大的文件（不受网页请求超时限制）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--apply", action="store_true", help="确认导入（默认只预览）")

    def handle(self, *args, file: Path, apply: bool, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}：{exc}") from exc
        self.stdout.write(f"正在{'导入' if apply else '检查'} {file.name}：每一行都经过与网页导入相同的检查……")
        try:
            report = city_import(data=data, by=None, apply=apply)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        for note in report.notes:
            self.stdout.write(note)
        for s in report.sheets:
            self.stdout.write(
                f"{s.sheet.title}：新建 {s.created}，修改 {s.changed}，不变 {s.same}，文件外保留 {s.untouched}"
            )
            for o in s.listed:
                changes = "；".join(f"{c}：{b} → {a}" for c, b, a in o.changes)
                self.stdout.write(
                    f"  {o.action_label} 第 {o.row} 行 {o.label}{'（' + changes + '）' if changes else ''}"
                )
        if report.errors:
            raise CommandError(
                f"文件中有 {len(report.errors)} 处错误，未作任何修改：\n" + "\n".join(str(e) for e in report.errors)
            )
        if not report.changes_anything:
            self.stdout.write("文件与系统中的数据一致，没有需要导入的变动。")
        elif report.applied:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已导入；已向 {report.links_queued} 位新用户发送设置密码的链接（由后台任务进程 db_worker 发出）。"
                )
            )
            if report.links_failed:
                self.stdout.write(
                    f"没有登记电子邮箱，未发送：{'、'.join(report.links_failed)}（登记后可在后台“用户”中发送）。"
                )
        else:
            self.stdout.write("以上为预览，未作任何修改；确认无误后加 --apply 再运行一次。")
