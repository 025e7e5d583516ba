from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fundadmin.services import calendar_import


class Command(BaseCommand):
    help = (
        "从 CSV 导入某年的法定节假日和调休上班日（据国务院办公厅通知整理）。"
        "表头：date,kind,name；kind 为 holiday（休）或 workday（班）。文件中出现的年份整体替换并标记为已公布；"
        "此前按周末推算的暂定公示截止日期随即重新计算，变动记入审计记录。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", default="", help="来源，例如通知文号")

    def handle(self, *args, file: Path, source: str, **options):
        try:
            # Bytes decoded as they are: read_text() would turn a carriage return inside a quoted
            # CSV field into a newline, and store a name other than the one in the file.
            text = file.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取文件 {file}：{exc}") from exc
        try:
            result = calendar_import(text=text, by=None, source=source or file.name)
        except ValidationError as exc:
            raise CommandError("导入失败，未作任何修改：\n" + "\n".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"已导入 {', '.join(map(str, result.years))} 年的工作日历。"))
        moved = [m for m in result.moved if m.moved]
        confirmed = len(result.moved) - len(moved)
        if moved:
            self.stdout.write(f"{len(moved)} 项暂定截止日期已按正式日历重新计算：")
            for m in moved:
                self.stdout.write(f"  {m.community} {m.what}：{m.before.date:%Y-%m-%d} → {m.after.date:%Y-%m-%d}")
        if confirmed:
            self.stdout.write(f"{confirmed} 项暂定截止日期经核对不变，已确认为正式日期。")
        if not result.moved:
            self.stdout.write("没有需要重新计算的暂定截止日期。")
