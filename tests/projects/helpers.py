"""Drive a project through the real services, moving the clock as the process needs."""

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from fundadmin.models import SpendingCategory
from fundadmin.roles import Role
from projects import services
from projects.models import ContractorKind, Project, Status
from projects.services import LineInput

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

DECLARED = {
    name: True
    for name in ("decl_not_office", "decl_not_salary", "decl_not_government", "decl_not_funded", "decl_not_property")
}


def plan_fields(**overrides):
    fields = {
        "title": "老旧小区楼道照明改造",
        "category": SpendingCategory.objects.get(number=4),
        "description": "为3栋老楼更换声控灯",
        "spending_plan": "购买灯具并请电工安装",
        "beneficiaries": "3栋楼住户",
        "beneficiary_count": 120,
        "contractor_kind": ContractorKind.ORGANISATION,
        "contractor_name": "示例电气服务有限公司",
        **DECLARED,
    }
    fields.update(overrides)
    return fields


def lines(total="6000.00"):
    return [LineInput(item="声控灯及安装", quantity=Decimal("1"), unit="批", unit_price=Decimal(total))]


def pdf(name="scan.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


class Clock:
    """Moves a time_machine traveller forward by whole days, at 10:00 Beijing time."""

    def __init__(self, traveller, start=dt.date(2026, 11, 2)):
        self.traveller, self.day = traveller, start
        self._apply()

    def _apply(self):
        self.traveller.move_to(dt.datetime.combine(self.day, dt.time(10), tzinfo=dt.timezone(dt.timedelta(hours=8))))

    def to(self, day):
        self.day = day
        self._apply()

    def after(self, days=1):
        self.to(self.day + dt.timedelta(days=days))


def new_project(people, fund_year, **overrides):
    return services.project_create(
        community=fund_year.community,
        fund_year=fund_year,
        by=people[Role.COMMUNITY_SECRETARY],
        fields=plan_fields(**overrides),
        lines=lines(overrides.pop("total", "6000.00") if "total" in overrides else "6000.00"),
    )


def walk(project, people, until, clock=None):
    """Take ``project`` through the process (projects.scenario) until it reaches ``until``;
    with a ``clock``, wait out each notice period as the real process must (other steps happen
    the same day)."""
    from fundadmin.workdays import WorkingCalendar
    from projects import scenario

    calendar = WorkingCalendar()
    project.refresh_from_db()
    while project.status != until:
        step = scenario.STEPS.get(Status(project.status))
        assert step is not None, f"stopped at {project.status}, wanted {until}"
        scenario.take_step(project, people)
        if clock is not None and step.wait_working_days and project.status != until:
            clock.to(scenario.next_day(clock.day, step, calendar))
    return project


def _today():
    from django.utils import timezone

    return timezone.localdate()


def fresh(project):
    return Project.objects.get(pk=project.pk)


def patch_in_services(monkeypatch, name, value) -> int:
    """Replace ``name`` wherever the workflow's services (the modules of projects.services) call it
    — the trail, the ledger, the notice board — and say in how many modules."""
    import importlib
    import pkgutil

    import projects.services as package

    patched = 0
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if hasattr(module, name):
            monkeypatch.setattr(module, name, value)
            patched += 1
    assert patched, f"no service calls {name}"
    return patched
