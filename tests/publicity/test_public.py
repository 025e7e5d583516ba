"""The public site: no login, nothing private, abuse-resistant objection and need forms."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from fundadmin.roles import Role
from projects import services as workflow
from projects.models import Status
from publicity import services
from publicity.models import Need, Notice, Objection
from publicity.ratelimit import LIMITS
from tests.projects.helpers import new_project, walk

pytestmark = pytest.mark.django_db

NAME, CONTACT = "赵秘密", "13912345678"


def _object(client, notice, **data):
    payload = {"text": "预算偏高，请说明", "name": "", "contact": "", "website": "", **data}
    return client.post(reverse("publicity:objection_submit", args=[notice.pk]), payload, REMOTE_ADDR="10.0.0.7")


def test_index_groups_communities_by_committee_and_links_boards(client, community, plan_notice):
    page = client.get(reverse("publicity:index")).content.decode()
    assert community.committee.name in page and community.name in page
    assert reverse("publicity:community_board", args=[community.code]) in page
    assert "1 项正在公示" in page


def test_board_lists_up_notices_then_archive(client, community, plan_notice, clock):
    page = client.get(reverse("publicity:community_board", args=[community.code])).content.decode()
    assert page.index(plan_notice.title) < page.index("往期公示")
    clock.to(dt.date(2026, 10, 11))
    page = client.get(reverse("publicity:community_board", args=[community.code])).content.decode()
    assert page.index("往期公示") < page.index(plan_notice.title) and "公示期满" in page


def test_objection_gets_a_tracking_code_and_personal_data_never_shows(client, plan_notice, in_publicity):
    response = _object(client, plan_notice, name=NAME, contact=CONTACT)
    objection = Objection.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"?code={objection.tracking_code}")
    track = client.get(response["Location"]).content.decode()
    assert objection.tracking_code in track and "待社区答复" in track
    pages = [
        track,
        client.get(reverse("publicity:notice_detail", args=[plan_notice.pk])).content.decode(),
        client.get(reverse("publicity:project_public", args=[in_publicity.pk])).content.decode(),
        b"".join(
            client.get(
                reverse("publicity:open_data", args=[plan_notice.community.code, "notices", "json"])
            ).streaming_content
        ).decode(),
    ]
    for page in pages:
        assert NAME not in page and CONTACT not in page
    assert "预算偏高" in pages[1]


def test_objection_handling_is_shown_on_the_notice(client, plan_notice, people):
    objection = services.objection_submit(notice=plan_notice, text="有疑问", name=NAME, contact=CONTACT)
    services.objection_answer(objection=objection, by=people[Role.COMMUNITY_SECRETARY], answer="社区答复内容")
    workflow.objection_decide(
        objection=objection, by=people[Role.COMMITTEE_MEMBER], upheld=False, decision="党工委决定内容"
    )
    page = client.get(reverse("publicity:notice_detail", args=[plan_notice.pk])).content.decode()
    assert "社区答复内容" in page and "党工委决定内容" in page and "异议不成立" in page
    assert NAME not in page and CONTACT not in page and objection.tracking_code not in page


def test_everything_is_escaped(client, plan_notice):
    _object(client, plan_notice, text='<script>alert("x")</script>')
    page = client.get(reverse("publicity:notice_detail", args=[plan_notice.pk])).content.decode()
    assert '<script>alert("x")</script>' not in page and "&lt;script&gt;" in page


def test_honeypot_stores_nothing(client, plan_notice):
    response = _object(client, plan_notice, website="http://spam.example")
    assert response.status_code == 400 and not Objection.objects.exists()


def test_invalid_objection_explains_in_chinese_and_stores_nothing(client, plan_notice):
    response = _object(client, plan_notice, text="")
    assert response.status_code == 400 and "请填写异议内容" in response.content.decode()
    response = _object(client, plan_notice, text="字" * 2001)
    assert response.status_code == 400 and "不能超过 2000 字" in response.content.decode()
    assert not Objection.objects.exists()


def test_rate_limit_per_client_address(client, plan_notice):
    limit, _ = LIMITS["objection"]
    for _ in range(limit):
        assert _object(client, plan_notice).status_code == 302
    assert _object(client, plan_notice).status_code == 429
    assert Objection.objects.count() == limit
    # Another address is not affected.
    other = client.post(
        reverse("publicity:objection_submit", args=[plan_notice.pk]), {"text": "另一户"}, REMOTE_ADDR="10.0.0.8"
    )
    assert other.status_code == 302


def test_no_objection_form_once_the_period_has_ended(client, plan_notice, clock):
    clock.to(dt.date(2026, 10, 11))
    page = client.get(reverse("publicity:notice_detail", args=[plan_notice.pk])).content.decode()
    assert "提交异议" not in page
    assert _object(client, plan_notice).status_code == 400 and not Objection.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["publicity:objection_submit", "publicity:notice_detail", "publicity:notice_pdf", "publicity:project_public"],
)
def test_methods(client, plan_notice, name):
    arg = plan_notice.project_id if name == "publicity:project_public" else plan_notice.pk
    url = reverse(name, args=[arg])
    if name == "publicity:objection_submit":
        assert client.get(url).status_code == 405
    else:
        assert client.post(url).status_code == 405


def test_draft_project_is_not_public(client, people, fund_year):
    draft = new_project(people, fund_year)
    assert client.get(reverse("publicity:project_public", args=[draft.pk])).status_code == 404
    consent = walk(new_project(people, fund_year, title="已申报未公示"), people, Status.CONSENTED)
    assert client.get(reverse("publicity:project_public", args=[consent.pk])).status_code == 404
    response = client.get(reverse("publicity:open_data", args=[fund_year.community.code, "projects", "json"]))
    data = json.loads(b"".join(response.streaming_content))
    assert data["items"] == []


def test_public_project_page_shows_what_why_and_money(client, in_publicity, people):
    need = services.need_record(community=in_publicity.community, content="楼道太黑", channel="online")
    in_publicity.needs.add(need)
    page = client.get(reverse("publicity:project_public", args=[in_publicity.pk])).content.decode()
    assert "为3栋老楼更换声控灯" in page and "6,000.00 元" in page and "楼道太黑" in page and "尚未批准" in page


def test_needs_public_form_and_list(client, community, people, in_publicity):
    url = reverse("publicity:need_submit", args=[community.code])
    assert client.get(url).status_code == 200
    response = client.post(url, {"content": "希望增设健身器材", "name": NAME, "contact": CONTACT, "website": ""})
    assert response.status_code == 302
    need = Need.objects.get(content="希望增设健身器材")
    assert need.channel == Need.Channel.ONLINE and need.recorded_by is None
    adopted = services.need_record(community=community, content="楼道灯坏了", channel="online")
    in_publicity.needs.add(adopted)
    refused = services.need_record(community=community, content="请发放补贴", channel="online")
    services.need_mark_not_adopted(need=refused, by=people[Role.COMMUNITY_MEMBER], reason="不属于经费使用范围")
    page = client.get(reverse("publicity:need_list", args=[community.code])).content.decode()
    assert "已收到，待研究" in page
    assert reverse("publicity:project_public", args=[in_publicity.pk]) in page
    assert "未采纳：不属于经费使用范围" in page
    assert NAME not in page and CONTACT not in page
    assert client.post(url, {"content": "x", "website": "bot"}).status_code == 400


def test_adopted_into_a_draft_does_not_reveal_the_draft(client, community, people, fund_year):
    draft = new_project(people, fund_year, title="保密的草稿名称")
    need = services.need_record(community=community, content="修路", channel="online")
    draft.needs.add(need)
    page = client.get(reverse("publicity:need_list", args=[community.code])).content.decode()
    assert "项目方案拟定中" in page and "保密的草稿名称" not in page


def test_version_history_is_public(client, plan_notice, people):
    new = services.notice_correct(
        notice=plan_notice, by=people[Role.COMMUNITY_SECRETARY], note="更正受益对象", fields={"beneficiaries": "全体"}
    )
    page = client.get(reverse("publicity:notice_detail", args=[new.pk])).content.decode()
    assert "更正受益对象" in page and "版本记录" in page and plan_notice.short_hash in page
    old = client.get(reverse("publicity:notice_detail", args=[plan_notice.pk])).content.decode()
    assert "该版本已被更正" in old and "3栋楼住户" in old
    assert Notice.objects.count() == 2
