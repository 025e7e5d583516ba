import datetime
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fundadmin.demo import at, core, parts
from fundadmin.demo.core import DEFAULT_DEMO_PASSWORD

# What each layer of the demo loads, as the progress line says it (UX.md "Long work": work that
# takes more than a second or two says what it is doing). A layer not named here is shown by the
# first line of its docstring, or its module.
LAYERS = {
    "fundadmin.demo.core.load": "组织、用户和经费年度（2个党工委、6个社区、每个角色的账号）",
    "ledger.demo.part": "台账：2025、2026年度的财政拨款，2025年度结转",
    "projects.demo.load": "项目：按日期逐日重放桂花社区每个项目的每一步（最久的一步）",
    "publicity.demo.part": "公示、异议和民意诉求",
    "supervision.demo.load": "监督意见和年度报告",
}


def layer_label(load) -> str:
    key = f"{load.__module__}.{load.__qualname__}"
    if key in LAYERS:
        return LAYERS[key]
    doc = (load.__doc__ or "").strip().splitlines()
    return doc[0] if doc else load.__module__


class Command(BaseCommand):
    help = "载入演示数据（每个角色一个账号）。可重复运行：已有数据不会改变。生产环境拒绝运行。"

    def handle(self, *args, **options):
        if settings.ENVIRONMENT == "production":
            raise CommandError("load_demo 不能在生产环境运行（DJANGO_SETTINGS_MODULE=fundadmin.settings.production）。")
        started = time.monotonic()

        def core_load():
            with at(datetime.date(2025, 1, 2)):
                return core.load()

        core_load.__module__, core_load.__qualname__ = "fundadmin.demo.core", "load"
        layers = [core_load, *parts()]
        with transaction.atomic():
            for number, load in enumerate(layers, start=1):
                self.stdout.write(f"  [{number}/{len(layers)}] {layer_label(load)}…", ending="")
                self.stdout.flush()
                began = time.monotonic()
                result = load()
                if number == 1:
                    logins = result
                self.stdout.write(f" {time.monotonic() - began:.1f} 秒")
        password = core.demo_password()
        shown = password if password == DEFAULT_DEMO_PASSWORD else "（DEMO_PASSWORD 环境变量的值）"
        self.stdout.write(
            self.style.SUCCESS(f"演示数据已就绪（{time.monotonic() - started:.0f} 秒）。所有演示账号的密码：" + shown)
        )
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.username.ljust(width)}  {login.name}  {login.role} · {login.scope}")
