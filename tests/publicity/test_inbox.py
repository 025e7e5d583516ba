import datetime as dt

import pytest

from fundadmin.roles import Role
from fundadmin.workdays import WorkingCalendar
from publicity import services
from publicity.inbox import inbox_items

pytestmark = pytest.mark.django_db


def _actions(user):
    return [item.action for item in inbox_items(user, WorkingCalendar())]


def test_objections_reach_the_community_then_the_committee(plan_notice, people, clock):
    secretary, member = people[Role.COMMUNITY_SECRETARY], people[Role.COMMITTEE_MEMBER]
    objection = services.objection_submit(notice=plan_notice, text="有疑问")
    assert "答复异议" in _actions(secretary) and "决定异议是否成立" not in _actions(member)
    services.objection_answer(objection=objection, by=secretary, answer="答复")
    assert "答复异议" not in _actions(secretary) and "决定异议是否成立" in _actions(member)
    assert _actions(people[Role.FINANCE]) == []


def test_notice_ending_soon_and_annual_summary_due(plan_notice, people, clock):
    secretary = people[Role.COMMUNITY_SECRETARY]
    assert "公示即将期满" not in _actions(secretary)  # Sep 30: ends Oct 10, more than 2 working days away
    clock.to(dt.date(2026, 10, 9))
    items = inbox_items(secretary, WorkingCalendar())
    ending = [i for i in items if i.action == "公示即将期满"]
    assert ending and ending[0].deadline.date == dt.date(2026, 10, 10)
    assert "核对并发布年度公示" not in _actions(secretary)
    clock.to(dt.date(2026, 12, 1))
    due = [i for i in inbox_items(secretary, WorkingCalendar()) if i.action == "核对并发布年度公示"]
    # Art. 15 (issue 14): the 5 working days must end before 20 December — Mon 14 to Fri 18 in
    # 2026 — so the last posting day is Sunday 13 December, not the 19th.
    assert due and due[0].deadline.date == dt.date(2026, 12, 13)
