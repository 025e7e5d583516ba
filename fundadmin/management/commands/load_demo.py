import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fundadmin.demo import at, core, parts
from fundadmin.demo.core import DEFAULT_DEMO_PASSWORD


class Command(BaseCommand):
    help = "载入演示数据（每个角色一个账号）。可重复运行：已有数据不会改变。生产环境拒绝运行。"

    def handle(self, *args, **options):
        if settings.ENVIRONMENT == "production":
            raise CommandError("load_demo 不能在生产环境运行（DJANGO_SETTINGS_MODULE=fundadmin.settings.production）。")
        with transaction.atomic():
            with at(datetime.date(2025, 1, 2)):
                logins = core.load()
            for part in parts():
                part()
        password = core.demo_password()
        shown = password if password == DEFAULT_DEMO_PASSWORD else "（DEMO_PASSWORD 环境变量的值）"
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。所有演示账号的密码：" + shown))
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.username.ljust(width)}  {login.name}  {login.role} · {login.scope}")
