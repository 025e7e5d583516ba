"""Where the indicators are seen (Art. 14, 16, 19): the committee dashboard and the supervisor's
home list what fires in their scope, filtered by kind, community and year; an indicator opens its
evidence and offers a prefilled supervision opinion; a supervisor judges it; the annual
evaluation shows the community's indicators beside the report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from fundadmin.models import User
from fundadmin.roles import Role
from supervision import services as supervision_services
from supervision.indicators.kinds import Kind
from supervision.indicators.services import indicators_compute
from supervision.models import Finding, FindingReview, IndicatorRun, Opinion
from tests.factories import user_with_role
from tests.projects.helpers import Clock
from tests.supervision import indicator_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(time_machine):
    w = indicator_world.clean_world(Clock(time_machine, start=indicator_world.START))
    indicator_world.late_approval(w)  # community a
    w.clock.to(dt.date(2026, 11, 2))
    indicator_world.no_invoice_share(w)  # community a
    # Community b (another committee): a contractor with three projects.
    name = "乙方服务中心"
    for _ in range(3):
        w.clock.to(dt.date(2026, 10, 12))
        indicator_world.walk(
            indicator_world.project(w.b, amount=3000, name=name, item="保洁"),
            w.b.people,
            indicator_world.Status.APPROVED,
            w.clock,
        )
    w.clock.to(dt.date(2026, 11, 20))
    indicators_compute()
    return w


def link(kind) -> str:
    return reverse("supervision:indicator_detail", args=[Finding.objects.get(kind=kind).pk])


def client_for(user) -> Client:
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))
    return client


def test_the_committee_dashboard_lists_its_indicators_only(world):
    client = client_for(world.a.people[Role.COMMITTEE_SECRETARY])
    body = client.get(reverse("supervision:dashboard", args=[world.a.community.committee.code])).content.decode()
    assert link(Kind.LATE_APPROVAL) in body and link(Kind.NO_INVOICE_SHARE) in body
    assert link(Kind.CONCENTRATION) not in body and "乙方服务中心" not in body  # another committee's
    filtered = client.get(
        reverse("supervision:dashboard", args=[world.a.community.committee.code]), {"kind": Kind.LATE_APPROVAL}
    )
    text = filtered.content.decode()
    assert link(Kind.LATE_APPROVAL) in text and link(Kind.NO_INVOICE_SHARE) not in text
    by_community = client.get(
        reverse("supervision:dashboard", args=[world.a.community.committee.code]), {"community": world.a2.community.pk}
    )
    assert "没有符合条件的廉政预警" in by_community.content.decode()
    other_year = client.get(reverse("supervision:dashboard_year", args=[world.a.community.committee.code, 2025]))
    assert "没有符合条件的廉政预警" in other_year.content.decode()


def test_the_supervisors_home_lists_their_communitys_indicators(world):
    body = client_for(world.a.people[Role.SUPERVISOR]).get(reverse("supervision:home")).content.decode()
    assert link(Kind.LATE_APPROVAL) in body and link(Kind.CONCENTRATION) not in body
    assert "立即重新计算" in body
    sibling = client_for(world.a2.people[Role.SUPERVISOR]).get(reverse("supervision:home")).content.decode()
    assert link(Kind.LATE_APPROVAL) not in sibling and "没有符合条件的廉政预警" in sibling
    filtered = client_for(world.a.people[Role.SUPERVISOR]).get(reverse("supervision:home"), {"year": 2025})
    assert "没有符合条件的廉政预警" in filtered.content.decode()


def test_community_staff_do_not_see_indicators(world):
    secretary = client_for(world.a.people[Role.COMMUNITY_SECRETARY])
    assert "廉政预警" not in secretary.get(reverse("supervision:home")).content.decode()
    assert secretary.get(reverse("supervision:indicator_list")).status_code == 403
    finding = Finding.objects.get(kind=Kind.LATE_APPROVAL)
    assert secretary.get(reverse("supervision:indicator_detail", args=[finding.pk])).status_code == 404


def test_an_indicator_opens_its_evidence_and_offers_a_prefilled_opinion(world):
    finding = Finding.objects.get(kind=Kind.NO_INVOICE_SHARE)
    supervisor = world.a.people[Role.SUPERVISOR]
    client = client_for(supervisor)
    body = client.get(reverse("supervision:indicator_detail", args=[finding.pk])).content.decode()
    project = world.a.projects[-1]
    assert reverse("projects:detail", args=[project.pk]) in body  # the payment's project
    assert (
        "领款人签字凭证" in body
        and reverse("projects:document", args=[project.pk, project.documents.last().pk]) in body
    )
    new = reverse("supervision:opinion_new", args=[world.a.community.code])
    assert f"{new}?finding={finding.pk}" in body
    form = client.get(new, {"finding": finding.pk})
    prefilled = form.context["form"].initial
    assert prefilled["project"] == finding.project_id and prefilled["finding"] == finding.pk
    assert "无发票支付占比高" in prefilled["text"] and "个体电工李师傅" in prefilled["text"]
    response = client.post(
        new,
        {
            "subject": "project",
            "project": finding.project_id,
            "addressed_to": "community",
            "text": prefilled["text"],
            "finding": finding.pk,
        },
    )
    opinion = Opinion.objects.get()
    assert response.status_code == 302 and opinion.finding == finding and opinion.raised_by == supervisor
    assert (
        "已就此提出的监督意见"
        in client.get(reverse("supervision:indicator_detail", args=[finding.pk])).content.decode()
    )


def test_the_committee_sees_the_evidence_but_the_opinion_is_the_supervisors(world):
    finding = Finding.objects.get(kind=Kind.LATE_APPROVAL)
    body = (
        client_for(world.a.people[Role.COMMITTEE_SECRETARY])
        .get(reverse("supervision:indicator_detail", args=[finding.pk]))
        .content.decode()
    )
    assert "收到申请表" in body and "由" in body and "议事监督委员会提出" in body
    assert "提出监督意见</a>" not in body and "保存判断" not in body


def test_a_supervisor_marks_an_indicator_judged(world):
    finding = Finding.objects.get(kind=Kind.LATE_APPROVAL)
    client = client_for(world.a.people[Role.SUPERVISOR])
    url = reverse("supervision:indicator_review", args=[finding.pk])
    assert client.get(url).status_code == 405
    refused = client.post(url, {"verdict": "explained", "reason": ""})
    assert refused.status_code == 400 and "请填写" in refused.content.decode() and not FindingReview.objects.exists()
    assert client.post(url, {"verdict": "explained", "reason": "国庆后补开班子会议，已说明"}).status_code == 302
    body = client.get(reverse("supervision:home")).content.decode()
    assert "已判断：已核实，有合理解释" in body
    unjudged = client.get(reverse("supervision:home"), {"state": "unjudged"}).content.decode()
    assert link(Kind.LATE_APPROVAL) not in unjudged and link(Kind.NO_INVOICE_SHARE) in unjudged
    other = client_for(world.a2.people[Role.SUPERVISOR])
    assert other.post(url, {"verdict": "explained", "reason": "x"}).status_code == 404
    assert FindingReview.objects.count() == 1


def test_recompute_on_demand(world):
    client = client_for(world.a.people[Role.SUPERVISOR])
    before = IndicatorRun.objects.count()
    response = client.post(reverse("supervision:indicator_compute"), {"next": "/supervision/"})
    assert response.status_code == 302 and response.headers["Location"] == "/supervision/"
    run = IndicatorRun.objects.order_by("-pk").first()
    assert IndicatorRun.objects.count() == before + 1 and run.trigger == IndicatorRun.Trigger.ON_DEMAND
    assert run.by == world.a.people[Role.SUPERVISOR]
    assert client.post(reverse("supervision:indicator_compute"), {"next": "https://evil.example/"}).headers[
        "Location"
    ] == reverse("supervision:indicator_list")
    secretary = client_for(world.a.people[Role.COMMUNITY_SECRETARY])
    assert secretary.post(reverse("supervision:indicator_compute")).status_code == 403


def test_the_annual_evaluation_shows_the_years_indicators(world):
    report = supervision_services.annual_report_submit(
        fund_year=world.a.fund_year, by=world.a.people[Role.COMMUNITY_SECRETARY], narrative="全年工作总结"
    )
    body = (
        client_for(world.a.people[Role.COMMITTEE_SECRETARY])
        .get(reverse("supervision:report_detail", args=[report.pk]))
        .content.decode()
    )
    assert "本社区2026年度廉政预警" in body and link(Kind.LATE_APPROVAL) in body and link(Kind.NO_INVOICE_SHARE) in body
    assert link(Kind.CONCENTRATION) not in body
    secretary = client_for(world.a.people[Role.COMMUNITY_SECRETARY]).get(
        reverse("supervision:report_detail", args=[report.pk])
    )
    assert "廉政预警" not in secretary.content.decode()


def test_the_city_view_compares_committees_and_communities(world):
    city = user_with_role(Role.CITY_OVERSIGHT, None)
    response = client_for(city).get(reverse("supervision:city_year", args=[2026]))
    assert response.status_code == 200
    view = response.context["view"]
    lines = {line.committee: line for line in view.committees}
    a_line = lines[world.a.community.committee]
    a = next(c for c in a_line.communities if c.community == world.a.community)
    assert a.figures.indicators == 2 and a.figures.decided >= 1 and a.figures.decided_on_time == a.figures.decided - 1
    assert a.figures.fund == 100000 and a.figures.spent > 0
    assert lines[world.b.community.committee].figures.indicators == 1
    assert view.total.indicators == 3
    body = response.content.decode()
    assert world.a.community.name in body and world.b.community.name in body
    assert reverse("supervision:dashboard_year", args=[world.b.community.committee.code, 2026]) in body


def test_the_list_keeps_the_committee_it_was_opened_for(world):
    city = client_for(user_with_role(Role.CITY_OVERSIGHT, None))
    committee = world.a.community.committee
    body = city.get(reverse("supervision:indicator_list"), {"committee": committee.pk}).content.decode()
    assert link(Kind.LATE_APPROVAL) in body and link(Kind.CONCENTRATION) not in body
    assert f'name="committee" value="{committee.pk}"' in body
    everything = city.get(reverse("supervision:indicator_list")).content.decode()
    assert link(Kind.LATE_APPROVAL) in everything and link(Kind.CONCENTRATION) in everything
    assert "各类预警的含义" in everything
