import datetime as dt

import pytest

from fundadmin.demo import core
from fundadmin.models import Community, FundYear, RoleAssignment
from ledger.services import appropriation_record
from projects.models import ContractorKind, Status
from supervision import demo
from supervision.models import AnnualReport, IndicatorRun, Opinion, ReportEvaluation
from tests.projects.helpers import Clock, new_project, walk

pytestmark = pytest.mark.django_db


def test_demo_has_opinions_and_reports_and_is_idempotent(time_machine, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    clock = Clock(time_machine, start=dt.date(2026, 9, 1))
    core.load()
    guihua = Community.objects.get(code="guihua")
    people = {a.role: a.user for a in RoleAssignment.objects.active().covering(guihua).select_related("user")}
    fund_year = FundYear.objects.get(community=guihua, year=2026)
    appropriation_record(fund_year=fund_year, amount=fund_year.allocation, entry_date=dt.date(2026, 1, 5), by=None)
    walk(new_project(people, fund_year, contractor_kind=ContractorKind.INDIVIDUAL), people, Status.CLOSED, clock)
    walk(new_project(people, fund_year, title="待审批"), people, Status.SUBMITTED, clock)
    demo.load()
    demo.load()
    assert Opinion.objects.count() == 2 and Opinion.objects.open().count() == 1
    reports = {r.year: r for r in AnnualReport.objects.filter(community=guihua)}
    assert set(reports) == {2025, 2026}
    assert reports[2025].is_late and not reports[2026].is_late
    assert ReportEvaluation.objects.get().report == reports[2025]
    assert IndicatorRun.objects.count() == 1  # the day's integrity indicators, computed once
