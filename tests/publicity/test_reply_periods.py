"""Residents' timescales (issue 13, point 11; SPEC.md "Working days" and "Decisions the rules
leave to us"): the working days a notice still runs, and the period in which the community must
answer an objection or a need — counted on the real calendar around the National Day holiday
(2026-10-01..07 off, Sat 10-10 an adjusted working day), the day itself never counted."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse

from audit.models import AuditEvent
from fundadmin.inbox import inbox_items
from fundadmin.roles import Role
from fundadmin.workdays import WorkingCalendar
from publicity import services
from publicity.models import Need, Objection
from publicity.periods import notice_days_left
from tests.factories import CommunityFactory, user_with_role

pytestmark = pytest.mark.django_db

D = dt.date


def _left(notice, today):
    return notice_days_left(
        posted_on=notice.posted_on,
        ends_on=notice.ends_on,
        ends_provisional=notice.ends_provisional,
        period_days=notice.period_days,
        today=today,
        calendar=WorkingCalendar(),
    )


@pytest.mark.parametrize(
    ("today", "days", "today_counts", "sentence"),
    [
        (D(2026, 9, 30), 3, False, "还剩 3 个工作日（今天不计入），至 2026年10月10日止。"),  # the posting day
        (D(2026, 10, 1), 3, False, "还剩 3 个工作日（今天不计入）"),  # National Day: a day off
        (D(2026, 10, 7), 3, False, "还剩 3 个工作日（今天不计入）"),
        (D(2026, 10, 8), 3, True, "还剩 3 个工作日（含今天）"),
        (D(2026, 10, 9), 2, True, "还剩 2 个工作日（含今天）"),
        (D(2026, 10, 10), 1, True, "今天是公示期的最后一天"),  # a Saturday made a working day
    ],
)
def test_working_days_left_of_a_notice_around_national_day(plan_notice, today, days, today_counts, sentence):
    left = _left(plan_notice, today)
    assert (left.days, left.today_counts, left.provisional) == (days, today_counts, False)
    assert sentence in left.sentence()


@pytest.mark.parametrize("today", [D(2026, 9, 29), D(2026, 10, 11)])
def test_no_count_before_posting_or_after_the_period(plan_notice, today):
    assert _left(plan_notice, today) is None


def test_a_count_into_an_unpublished_year_is_provisional(in_publicity, people):
    notice = services.notice_publish_for_project(
        project=in_publicity, kind="completion", by=people[Role.COMMUNITY_SECRETARY], posted_on=D(2026, 12, 30)
    )
    left = _left(notice, D(2026, 12, 31))
    assert left.provisional and "（暂定）" in left.sentence()


def test_the_notice_page_says_how_many_working_days_remain(client, plan_notice, clock):
    clock.to(D(2026, 10, 9))
    page = client.get(reverse("publicity:notice_detail", args=[plan_notice.pk])).content.decode()
    assert "还剩 2 个工作日（含今天），至 2026年10月10日止。" in page
    clock.to(D(2026, 10, 10))
    page = client.get(reverse("publicity:notice_detail", args=[plan_notice.pk])).content.decode()
    assert "今天是公示期的最后一天" in page and "还剩 2 个" not in page
    clock.to(D(2026, 10, 12))
    page = client.get(reverse("publicity:notice_detail", args=[plan_notice.pk])).content.decode()
    assert "还剩" not in page and "公示期满" in page


def test_an_objection_is_due_five_working_days_after_it_came_in(plan_notice, clock):
    # In on Wed 9-30: Oct 8, 9, 10 (Sat, adjusted), 12, 13 → answer by Tue 10-13.
    objection = services.objection_submit(notice=plan_notice, text="灯具单价偏高")
    assert (objection.reply_due_on, objection.reply_due_provisional) == (D(2026, 10, 13), False)
    assert not objection.reply_overdue(D(2026, 10, 13))
    assert objection.reply_overdue(D(2026, 10, 14))


@override_settings(OBJECTION_REPLY_WORKING_DAYS=2)
def test_the_reply_period_is_a_setting_and_a_given_date_never_moves(plan_notice, clock):
    objection = services.objection_submit(notice=plan_notice, text="灯具单价偏高")
    assert objection.reply_due_on == D(2026, 10, 9)
    with override_settings(OBJECTION_REPLY_WORKING_DAYS=10):
        later = services.objection_submit(notice=plan_notice, text="希望公布比价")
        assert later.reply_due_on == D(2026, 10, 20)
    assert Objection.objects.get(pk=objection.pk).reply_due_on == D(2026, 10, 9)


def test_an_answered_objection_is_never_overdue(plan_notice, clock, secretary):
    objection = services.objection_submit(notice=plan_notice, text="灯具单价偏高")
    clock.to(D(2026, 10, 20))
    services.objection_answer(objection=objection, by=secretary, answer="已比价")
    assert not Objection.objects.get(pk=objection.pk).reply_overdue(D(2026, 10, 20))


def test_the_tracking_page_gives_the_date_and_says_when_it_has_passed(client, plan_notice, clock):
    objection = services.objection_submit(notice=plan_notice, text="灯具单价偏高")
    url = reverse("publicity:objection_track") + f"?code={objection.tracking_code}"
    page = client.get(url).content.decode()
    assert "社区应于 <strong>2026年10月13日</strong>前答复" in page and "当天不计入" in page
    assert "已超过答复期限" not in page
    clock.to(D(2026, 10, 14))
    assert "已超过答复期限" in client.get(url).content.decode()


def test_overdue_objections_are_flagged_on_the_staff_side(client, plan_notice, clock, secretary, people):
    services.objection_submit(notice=plan_notice, text="灯具单价偏高")
    clock.to(D(2026, 10, 14))
    client.force_login(secretary)
    page = client.get(reverse("publicity:staff_objections", args=[plan_notice.community.code])).content.decode()
    assert "1 条异议已超过答复期限" in page and "答复已逾期：2026-10-13" in page
    # The supervisors see the same page (they read everything, Art. 14).
    client.force_login(people[Role.SUPERVISOR])
    page = client.get(reverse("publicity:staff_objections", args=[plan_notice.community.code])).content.decode()
    assert "答复已逾期" in page
    (item,) = [i for i in inbox_items(secretary) if i.action == "答复异议"]
    assert item.deadline.date == D(2026, 10, 13) and item.is_overdue(D(2026, 10, 14))


# -- needs ---------------------------------------------------------------------------------------------


def test_a_need_gets_a_tracking_code_and_is_due_ten_working_days_after(community, clock):
    need = services.need_record(community=community, content="楼道太黑", channel="online")
    assert len(need.tracking_code) == 10 and need.status == Need.Status.RECEIVED
    # In on 9-30: Oct 8, 9, 10, 12–16, 19, 20.
    assert (need.reply_due_on, need.reply_due_provisional) == (D(2026, 10, 20), False)
    assert need.reply_overdue(D(2026, 10, 21)) and not need.reply_overdue(D(2026, 10, 20))


def test_a_need_gathered_earlier_is_due_from_the_day_it_was_gathered(community, clock, people):
    need = services.need_record(
        community=community,
        content="老人想要助餐",
        channel="door_to_door",
        by=people[Role.COMMUNITY_MEMBER],
        received_on=D(2026, 9, 24),
    )
    # Sep 25 (Mid-Autumn) off: Sep 28, 29, 30, Oct 8, 9, 10, 12, 13, 14, 15.
    assert need.reply_due_on == D(2026, 10, 15)


def test_need_status_runs_received_responded_adopted(community, people, in_publicity, clock):
    member = people[Role.COMMUNITY_MEMBER]
    need = services.need_record(community=community, content="楼道太黑", channel="online")
    need = services.need_respond(need=need, by=member, response="将在下季度项目中研究")
    assert need.status == Need.Status.RESPONDED and not need.reply_overdue(D(2026, 12, 1))
    assert AuditEvent.objects.filter(action="need.respond", object_id=str(need.pk)).exists()
    in_publicity.needs.add(need)
    assert Need.objects.get(pk=need.pk).status == Need.Status.ADOPTED
    refused = services.need_record(community=community, content="发补贴", channel="online")
    services.need_mark_not_adopted(need=refused, by=member, reason="不属于经费使用范围")
    assert Need.objects.get(pk=refused.pk).status == Need.Status.RESPONDED


def test_an_answer_is_given_once_and_only_by_the_community(community, people, clock):
    need = services.need_record(community=community, content="楼道太黑", channel="online")
    with pytest.raises(PermissionDenied):
        services.need_respond(need=need, by=user_with_role(Role.COMMUNITY_MEMBER, CommunityFactory()), response="x")
    with pytest.raises(ValidationError):
        services.need_respond(need=need, by=people[Role.COMMUNITY_MEMBER], response="   ")
    services.need_respond(need=need, by=people[Role.COMMUNITY_MEMBER], response="已报物业")
    with pytest.raises(ValidationError) as refused:
        services.need_respond(need=need, by=people[Role.COMMUNITY_MEMBER], response="改口")
    assert refused.value.code == "responded"
    assert Need.objects.get(pk=need.pk).response == "已报物业"  # nothing overwritten


def test_submitting_a_need_leads_to_its_tracking_page(client, community, clock):
    response = client.post(
        reverse("publicity:need_submit", args=[community.code]),
        {"content": "希望增设健身器材", "name": "周某", "contact": "13700000000", "website": ""},
        follow=True,
    )
    need = Need.objects.get()
    page = response.content.decode()
    assert response.redirect_chain[-1][0].endswith(f"?code={need.tracking_code}")
    assert f"查询码：{need.tracking_code}" in page and "社区应于 <strong>2026年10月20日</strong>前回应" in page
    assert "周某" not in page and "13700000000" not in page
    clock.to(D(2026, 10, 21))
    assert (
        "已超过回应期限" in client.get(reverse("publicity:need_track") + f"?code={need.tracking_code}").content.decode()
    )


@pytest.mark.parametrize("code", ["nope\x00", "！！"])
def test_a_bad_need_code_is_explained(client, code):
    page = client.get(reverse("publicity:need_track"), {"code": code}).content.decode()
    assert "查询码只含数字和英文字母" in page


def test_overdue_needs_are_flagged_for_the_community(client, community, people, clock):
    services.need_record(community=community, content="楼道太黑", channel="online")
    clock.to(D(2026, 10, 21))
    member = people[Role.COMMUNITY_MEMBER]
    client.force_login(member)
    page = client.get(reverse("publicity:staff_needs", args=[community.code])).content.decode()
    assert "1 条诉求已超过回应期限" in page and "回应已逾期：2026-10-20" in page
    (item,) = [i for i in inbox_items(member) if i.action == "回应居民诉求"]
    assert item.title == "1 条民意诉求待回应" and item.is_overdue(D(2026, 10, 21))
    client.post(reverse("publicity:need_respond", args=[Need.objects.get().pk]), {"response": "已报物业维修"})
    assert Need.objects.get().response == "已报物业维修"
    assert not [i for i in inbox_items(member) if i.action == "回应居民诉求"]
