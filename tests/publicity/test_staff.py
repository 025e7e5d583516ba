"""Staff pages: permission-checked, POST-only for changes, refusals explained."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fundadmin.models import FundYear
from fundadmin.roles import Role
from projects.models import Status
from publicity import services
from publicity.annual import annual_snapshot, annual_title
from publicity.models import Need, Notice, Objection
from tests.factories import user_with_role
from tests.projects.helpers import new_project, walk

pytestmark = pytest.mark.django_db


def test_notices_page_needs_login_and_own_community(client, plan_notice, other_community):
    url = reverse("publicity:staff_notices", args=[plan_notice.community.code])
    assert client.get(url).status_code == 302
    client.force_login(user_with_role(Role.COMMUNITY_SECRETARY, other_community))
    assert client.get(url).status_code == 403


def test_secretary_withdraws_and_uploads_a_photo(client, plan_notice, secretary):
    client.force_login(secretary)
    page = client.get(reverse("publicity:staff_notices", args=[plan_notice.community.code])).content.decode()
    assert plan_notice.title in page and "撤下" in page
    photo = SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    client.post(reverse("publicity:notice_photo_upload", args=[plan_notice.pk]), {"photo": photo})
    plan_notice.refresh_from_db()
    assert plan_notice.board_photo_type == "image/png"
    assert client.get(reverse("publicity:notice_photo", args=[plan_notice.pk]))["Content-Type"] == "image/png"
    url = reverse("publicity:notice_withdraw", args=[plan_notice.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"reason": "张贴位置错误"}, follow=True)
    assert "公示已撤下" in response.content.decode()
    assert Notice.objects.get(pk=plan_notice.pk).withdrawn_reason == "张贴位置错误"


def test_member_cannot_withdraw(client, plan_notice, people):
    client.force_login(people[Role.COMMUNITY_MEMBER])
    response = client.post(reverse("publicity:notice_withdraw", args=[plan_notice.pk]), {"reason": "x"})
    assert response.status_code == 403 and Notice.objects.get(pk=plan_notice.pk).withdrawn_at is None


def test_correction_page(client, plan_notice, secretary):
    client.force_login(secretary)
    url = reverse("publicity:notice_correct", args=[plan_notice.pk])
    assert "3栋楼住户" in client.get(url).content.decode()
    same = {k: plan_notice.snapshot[k] for k in ("description", "spending_plan", "beneficiaries")}
    bad = client.post(url, {"title": plan_notice.title, **same, "note": "没改"})
    assert bad.status_code == 400 and "没有需要更正" in bad.content.decode()
    ok = client.post(url, {"title": plan_notice.title, **same, "beneficiaries": "1至3栋", "note": "改受益对象"})
    assert ok.status_code == 302 and Notice.objects.filter(version=2).exists()


def test_answer_then_decide_through_the_pages(client, plan_notice, secretary, committee_member, in_publicity):
    objection = services.objection_submit(notice=plan_notice, text="有疑问", name="钱某", contact="139")
    client.force_login(secretary)
    page = client.get(reverse("publicity:staff_objections", args=[plan_notice.community.code])).content.decode()
    assert "钱某" in page  # staff see who objected, to contact them
    client.post(reverse("publicity:objection_answer", args=[objection.pk]), {"answer": "已说明"})
    # The community cannot decide its own objection.
    deny = client.post(
        reverse("projects:objection_decide", args=[objection.pk]), {"outcome": "dismiss", "decision": "x"}
    )
    assert deny.status_code == 403
    client.force_login(committee_member)
    empty = client.post(reverse("projects:objection_decide", args=[objection.pk]), {"outcome": "revise"}, follow=True)
    assert "请填写决定意见" in empty.content.decode()
    client.post(
        reverse("projects:objection_decide", args=[objection.pk]), {"outcome": "revise", "decision": "重新论证"}
    )
    assert Objection.objects.get(pk=objection.pk).state == Objection.State.UPHELD
    in_publicity.refresh_from_db()
    assert in_publicity.status == Status.DRAFT


def test_staff_records_a_need_with_its_channel_and_marks_one_not_adopted(client, community, people):
    client.force_login(people[Role.COMMUNITY_MEMBER])
    url = reverse("publicity:need_record", args=[community.code])
    client.post(
        url,
        {
            "channel": "door_to_door",
            "received_on": "2026-01-05",
            "content": "独居老人需要助餐",
            "name": "",
            "contact": "",
        },
    )
    need = Need.objects.get()
    assert need.channel == "door_to_door" and need.recorded_by == people[Role.COMMUNITY_MEMBER]
    client.post(reverse("publicity:need_not_adopted", args=[need.pk]), {"reason": "已由市级财政安排"})
    need.refresh_from_db()
    assert need.effective_outcome == Need.Outcome.NOT_ADOPTED and need.outcome_note == "已由市级财政安排"
    client.force_login(people[Role.SUPERVISOR])  # supervisors read, never change
    assert client.post(url, {"channel": "other", "received_on": "2026-01-05", "content": "x"}).status_code == 403


def test_annual_summary_reviewed_then_published(client, people, fund_year, clock):
    clock.to(dt.date(2026, 11, 2))
    walk(new_project(people, fund_year), people, Status.APPROVED, clock)
    small = new_project(people, fund_year, title="困难家庭帮扶", is_small_group=True, small_group_justification="特困")
    walk(small, people, Status.PUBLICITY, clock)
    new_project(people, fund_year, title="不公开的草稿")
    clock.to(dt.date(2026, 12, 10))
    secretary = people[Role.COMMUNITY_SECRETARY]
    client.force_login(secretary)
    url = reverse("publicity:annual_review", args=[fund_year.community.code, 2026])
    page = client.get(url).content.decode()
    assert "不公开的草稿" not in page and "困难家庭帮扶" in page
    snapshot = annual_snapshot(fund_year)
    # Art. 7(2): counted as the approval rules count it — the small-group project is still in its
    # plan notice, on its way to approval.
    assert snapshot["small_group"] == {
        "approved": "0.00",
        "pending": "6000.00",
        "used": "6000.00",
        "cap": "20000.00",
        "percent": "6.0",
        "within_cap": True,
    }
    assert snapshot["spent"] == "0.00" or Decimal(snapshot["spent"]) >= 0
    by_name = {c["name"]: c for c in snapshot["categories"]}
    assert by_name["物业管理服务"]["count"] == 2 and by_name["物业管理服务"]["approved"] == "6000.00"
    reviewed = Notice.hash_snapshot(annual_title(fund_year), snapshot)
    stale = client.post(url, {"reviewed_hash": "0" * 64, "confirm": "on"})
    assert stale.status_code == 400 and "重新核对" in stale.content.decode()
    response = client.post(url, {"reviewed_hash": reviewed, "confirm": "on", "remarks": "结余结转下年"})
    notice = Notice.objects.get(kind=Notice.Kind.ANNUAL)
    assert response.status_code == 302 and notice.period_days == 5
    assert (notice.posted_on, notice.ends_on) == (dt.date(2026, 12, 10), dt.date(2026, 12, 17))
    assert notice.snapshot["remarks"] == "结余结转下年"
    again = client.post(url, {"reviewed_hash": reviewed, "confirm": "on"})
    assert again.status_code == 400 and Notice.objects.filter(kind=Notice.Kind.ANNUAL).count() == 1


def test_committee_sees_who_has_not_published_by_20_december(client, people, fund_year, community, clock):
    from tests.factories import CommunityFactory

    late = CommunityFactory(committee=community.committee, name="迟到社区")
    FundYear.objects.create(community=late, year=2026, allocation=Decimal("100000.00"))
    silent = CommunityFactory(committee=community.committee, name="沉默社区")
    # On time means its 5 working days end before 20 December (Art. 15, issue 14): posted by
    # Sunday 13 December 2026; the 11th is the last working day before that.
    clock.to(dt.date(2026, 12, 11))
    secretary = people[Role.COMMUNITY_SECRETARY]
    services.annual_summary_publish(
        fund_year=fund_year,
        by=secretary,
        reviewed_hash=Notice.hash_snapshot(annual_title(fund_year), annual_snapshot(fund_year)),
    )
    clock.to(dt.date(2026, 12, 21))
    late_year = FundYear.objects.get(community=late)
    services.annual_summary_publish(
        fund_year=late_year,
        by=user_with_role(Role.COMMUNITY_SECRETARY, late),
        reviewed_hash=Notice.hash_snapshot(annual_title(late_year), annual_snapshot(late_year)),
    )
    url = reverse("publicity:annual_status", args=[community.committee.code, 2026])
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    assert client.get(url).status_code == 403
    client.force_login(people[Role.COMMITTEE_SECRETARY])
    page = client.get(url).content.decode()
    assert "已按时发布" in page and "逾期发布" in page and "未发布" in page
    assert page.index("沉默社区") > 0 and "有 1 个社区未在12月20日前发布" in page
    assert silent.name in page
