"""In real Chromium: a supervisor follows one project's full trail, files an opinion, the community
answers it, and the supervisor sees it answered (Art. 14)."""

import datetime as dt

import pytest

from fundadmin.roles import Role
from projects.models import Status
from supervision.models import Opinion
from tests.conftest import login
from tests.projects.helpers import Clock, new_project, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_follows_the_trail_and_gets_an_answer(page, people, fund_year, time_machine):
    from django.contrib.auth import get_user_model

    clock = Clock(time_machine, start=dt.date(2026, 9, 1))
    project = walk(new_project(people, fund_year), people, Status.CLOSED, clock)
    users = get_user_model().objects
    supervisor = users.get(pk=people[Role.SUPERVISOR].pk)
    secretary = users.get(pk=people[Role.COMMUNITY_SECRETARY].pk)
    code = fund_year.community.code

    login(page, supervisor.username)
    page.goto(f"{page.base}/supervision/")
    page.get_by_role("link", name="全程留痕").first.click()
    page.select_option("#id_project", str(project.pk))
    page.get_by_role("button", name="筛选").click()
    trail = page.locator("ol.trail-list").inner_text()
    for step in ("提出项目草稿", "发布项目方案公示", "党工委书记签字", "记账：项目支付", "上传发票"):
        assert step in trail, step
    page.get_by_role("button", name="立即核验审计链").click()
    assert "审计链完整" in page.locator(".messages").inner_text()
    assert "已核验至第" in page.locator("#verification").inner_text()

    page.goto(f"{page.base}/supervision/c/{code}/opinions/new/?project={project.pk}")
    page.select_option("#id_subject", "settlement")
    page.select_option("#id_addressed_to", "community")
    page.fill("#id_text", "请说明结算金额与发票金额的核对过程。")
    page.get_by_role("button", name="提交监督意见").click()
    page.wait_for_url("**/supervision/opinions/*/")
    assert "待答复" in page.locator("#opinion-state").inner_text()
    opinion = Opinion.objects.get()

    page.context.clear_cookies()
    login(page, secretary.username)
    # (the inbox lists it once supervision.inbox is registered in fundadmin.inbox; here via the list)
    page.goto(f"{page.base}/supervision/")
    page.locator("section", has_text="我所在的社区").get_by_role("link", name="监督意见").click()
    page.get_by_role("link", name=opinion.about).click()
    page.fill("#id_answer", "结算金额与发票金额一致，核对记录已归档。")
    page.get_by_role("button", name="提交答复").click()
    page.wait_for_url(f"**/supervision/opinions/{opinion.pk}/")

    page.context.clear_cookies()
    login(page, supervisor.username)
    page.goto(f"{page.base}/supervision/opinions/{opinion.pk}/")
    assert "已答复" in page.locator("#opinion-state").inner_text()
    assert "核对记录已归档" in page.locator("#answer").inner_text()
