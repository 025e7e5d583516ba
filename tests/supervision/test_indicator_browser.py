"""In real Chromium: an integrity indicator seen on the committee dashboard and on the supervisor's
page, opened to its evidence, and turned into a supervision opinion whose form arrives filled in
with that evidence (Art. 14, 19); the pages fit a 360 px phone."""

from __future__ import annotations

import datetime as dt

import pytest

from fundadmin.models import User
from fundadmin.roles import Role
from supervision.indicators.services import indicators_compute
from supervision.models import Finding, Opinion
from tests.conftest import login
from tests.factories import user_with_role
from tests.projects.helpers import Clock
from tests.supervision import indicator_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_from_an_indicator_on_the_dashboard_to_a_prefilled_opinion(page, phone, time_machine):
    world = indicator_world.clean_world(Clock(time_machine, start=indicator_world.START))
    indicator_world.no_invoice_share(world)
    world.clock.to(dt.date(2026, 11, 20))
    indicators_compute()
    finding = Finding.objects.get()
    secretary = User.objects.get(pk=world.a.people[Role.COMMITTEE_SECRETARY].pk)
    supervisor = User.objects.get(pk=world.a.people[Role.SUPERVISOR].pk)

    # The working committee sees it on its dashboard and reads the evidence.
    login(page, secretary.username)
    page.goto(f"{page.base}/supervision/committee/{world.a.community.committee.code}/")
    panel = page.locator("#indicators")
    assert "无发票支付占比高" in panel.inner_text() and "待判断" in panel.inner_text()
    panel.get_by_role("link", name="无发票支付占比高").click()
    page.wait_for_url(f"**/supervision/indicators/{finding.pk}/")
    evidence = page.locator("#evidence").inner_text()
    assert "个体电工李师傅" in evidence and "领款人签字凭证" in evidence
    assert "议事监督委员会提出" in page.locator("#act").inner_text()

    # The supervisor files an opinion from it: the form is filled in with the evidence.
    page.context.clear_cookies()
    login(page, supervisor.username)
    page.goto(f"{page.base}/supervision/")
    page.locator("#indicators").get_by_role("link", name="无发票支付占比高").click()
    page.get_by_role("link", name="提出监督意见").click()
    page.wait_for_url("**/opinions/new/?finding=*")
    text = page.locator("#id_text").input_value()
    assert "【廉政预警：无发票支付占比高】" in text and "个体电工李师傅" in text and "15,000.00 元" in text
    assert page.locator("#id_project").input_value() == str(finding.project_id)
    page.select_option("#id_addressed_to", "community")
    page.get_by_role("button", name="提交监督意见").click()
    page.wait_for_url("**/supervision/opinions/*/")
    opinion = Opinion.objects.get()
    assert opinion.finding_id == finding.pk and "个体电工李师傅" in opinion.text

    # …and marks the indicator judged, with a reason.
    page.goto(f"{page.base}/supervision/indicators/{finding.pk}/")
    assert "已就此提出的监督意见" in page.locator("#act").inner_text()
    page.get_by_label("需要跟进").check()
    page.fill("#id_reason", "已提出监督意见，请社区说明个人承办的比价情况。")
    page.get_by_role("button", name="保存判断").click()
    assert "判断已记录" in page.locator(".messages").inner_text()
    assert "需要跟进" in page.locator(".reviews").inner_text()

    # On a phone, the indicator and the city comparison fit the screen.
    city = user_with_role(Role.CITY_OVERSIGHT, None)
    login(phone, city.username)
    phone.goto(f"{phone.base}/supervision/indicators/{finding.pk}/")
    assert "个体电工李师傅" in phone.locator("#evidence").inner_text() and _fits(phone)
    phone.goto(f"{phone.base}/supervision/city/2026/")
    assert world.b.community.name in phone.content() and _fits(phone)
    phone.goto(f"{phone.base}/supervision/")
    assert _fits(phone)
