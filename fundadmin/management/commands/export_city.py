from pathlib import Path

from django.core.management.base import BaseCommand

from fundadmin.onboarding import export_workbook


class Command(BaseCommand):
    help = "把系统中的党工委、社区、用户、角色任命和年度经费导出为城市数据导入模板（再导入不会改变任何数据）。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        file.write_bytes(export_workbook())
        self.stdout.write(self.style.SUCCESS(f"已导出到 {file}。"))
