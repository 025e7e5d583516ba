"""Demo layer of supervision: in the first demo community, an opinion still open and one answered,
the 2025 annual report submitted (late — it shows the flag) and evaluated, and the 2026 report
submitted on time and waiting for evaluation. Runs after the projects and publicity layers; finds
projects by their state. Idempotent: each part checks for what it made before.

Everything happens on 26–27 November 2026, after the other layers' history, so the trail still
reads forward in time.
"""

from __future__ import annotations

import datetime

from fundadmin.demo import at
from fundadmin.models import Community, FundYear, RoleAssignment
from fundadmin.roles import Role
from projects.models import Project, Status

from . import services
from .indicators.services import indicators_compute
from .models import AnnualReport, IndicatorRun, Opinion

COMMUNITY = "guihua"
OPEN_TEXT = "该项目公示的预算中灯具单价明显高于市场价，请说明询价和比价情况。"
ANSWERED_TEXT = "助餐服务的领款人签字凭证中有两笔签名笔迹相近，请核实是否为本人签领。"
ANSWER = "经核实，两笔均为王阿姨本人签领（一笔为代其老伴签收，已附说明），凭证已补充说明材料。"
NARRATIVE_2025 = (
    "2025年度共实施服务项目4个，重点解决老旧小区照明和独居老人助餐问题，群众总体满意。"
    "因年底结算手续办理较晚，本报告逾期报送，今后将提前安排。"
)
NARRATIVE_2026 = (
    "2026年度围绕居民急难愁盼实施项目，覆盖六类使用范围中的五类；"
    "楼道照明改造和助餐服务已完成并公示，健身器材更新等项目正在结算。"
    "下一年度拟加强需求收集的季度回访，并提前安排项目验收。"
)
D = datetime.date


def _person(role: Role, community: Community):
    assignment = RoleAssignment.objects.active().covering(community).filter(role=role).select_related("user").first()
    return assignment.user if assignment else None


def load() -> None:

    community = Community.objects.filter(code=COMMUNITY).select_related("committee").first()
    if community is None:
        return
    supervisor = _person(Role.SUPERVISOR, community)
    secretary = _person(Role.COMMUNITY_SECRETARY, community)
    committee_secretary = _person(Role.COMMITTEE_SECRETARY, community)
    if not (supervisor and secretary and committee_secretary):
        return
    projects = Project.objects.filter(community=community)
    answered_on = projects.filter(status=Status.CLOSED, contractor_kind="individual").first()
    open_on = projects.filter(status=Status.SUBMITTED).first() or projects.exclude(status=Status.DRAFT).first()

    if answered_on and not Opinion.objects.filter(community=community, text=ANSWERED_TEXT).exists():
        with at(D(2026, 11, 27), hour=18):
            opinion = services.opinion_record(
                community=community,
                by=supervisor,
                subject=Opinion.Subject.SETTLEMENT if hasattr(answered_on, "settlement") else Opinion.Subject.PROJECT,
                addressed_to=Opinion.Addressee.COMMUNITY,
                text=ANSWERED_TEXT,
                project=answered_on,
            )
        with at(D(2026, 11, 27), hour=19):
            services.opinion_answer(opinion=opinion, by=secretary, answer=ANSWER)
    if open_on and not Opinion.objects.filter(community=community, text=OPEN_TEXT).exists():
        with at(D(2026, 11, 27), hour=20):
            services.opinion_record(
                community=community,
                by=supervisor,
                subject=Opinion.Subject.PROJECT,
                addressed_to=Opinion.Addressee.COMMITTEE,
                text=OPEN_TEXT,
                project=open_on,
            )

    fy_2025 = FundYear.objects.filter(community=community, year=2025).first()
    if fy_2025 is not None and not AnnualReport.objects.filter(fund_year=fy_2025).exists():
        with at(D(2026, 11, 27), hour=21):
            report = services.annual_report_submit(fund_year=fy_2025, by=secretary, narrative=NARRATIVE_2025)
        with at(D(2026, 11, 27), hour=22):
            services.report_evaluate(
                report=report,
                by=committee_secretary,
                score=78,
                grade="pass",
                comments="项目按程序实施，资金使用规范；年度报告逾期报送，扣分。",
            )
    fy_2026 = FundYear.objects.filter(community=community, year=2026).first()
    if fy_2026 is not None and not AnnualReport.objects.filter(fund_year=fy_2026).exists():
        with at(D(2026, 11, 27), hour=23):
            services.annual_report_submit(fund_year=fy_2026, by=secretary, narrative=NARRATIVE_2026)

    # Art. 19: the day's integrity indicators over the whole demo city, as the daily job would.
    if not IndicatorRun.objects.exists():
        with at(D(2026, 11, 28), hour=6):
            indicators_compute()
