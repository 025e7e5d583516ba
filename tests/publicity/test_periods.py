"""Notice periods in working days around real holidays (SPEC.md "Working days"; Art. 10, 15)."""

import datetime as dt

import pytest
from django.urls import reverse

from fundadmin.workdays import CONVENTION_NOTE, PROVISIONAL_NOTE, WorkingCalendar
from publicity.models import Notice
from publicity.services import notice_publish_for_project

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.mark.parametrize(
    ("posted", "kind", "ends", "provisional"),
    [
        # Oct 1–7 off, Sat Oct 10 an adjusted working day: Oct 8, 9, 10.
        (D(2026, 9, 30), Notice.Kind.PLAN, D(2026, 10, 10), False),
        # Mid-Autumn Fri Sep 25 off: Mon 28, Tue 29, Wed 30.
        (D(2026, 9, 24), Notice.Kind.COMPLETION, D(2026, 9, 30), False),
        # Sun Sep 20 is a working day: Sep 20, 21, 22.
        (D(2026, 9, 19), Notice.Kind.PAYMENT, D(2026, 9, 22), False),
        # Annual summary, 5 working days: Dec 15–18 and Mon Dec 21 (Art. 15).
        (D(2026, 12, 14), Notice.Kind.ANNUAL, D(2026, 12, 21), False),
        # Spring Festival 2026: Feb 15–23 off, Sat Feb 14 on → Feb 14, 24, 25.
        (D(2026, 2, 13), Notice.Kind.PLAN, D(2026, 2, 25), False),
        # Into 2027, whose calendar is not published: computed from weekends, marked provisional.
        (D(2026, 12, 28), Notice.Kind.ANNUAL, D(2027, 1, 4), True),
    ],
)
def test_period_ends_after_n_working_days_not_counting_the_posting_day(posted, kind, ends, provisional):
    period = Notice.PERIOD_DAYS[kind]
    deadline = WorkingCalendar().add_working_days(posted, period)
    assert (deadline.date, deadline.provisional) == (ends, provisional)


def test_published_plan_notice_carries_the_holiday_aware_end(plan_notice):
    assert plan_notice.posted_on == D(2026, 9, 30)
    assert plan_notice.ends_on == D(2026, 10, 10)
    assert plan_notice.period_days == 3 and not plan_notice.ends_provisional


def test_provisional_end_is_marked_on_the_page(people, fund_year, in_publicity, client):
    notice = notice_publish_for_project(
        project=in_publicity, kind=Notice.Kind.COMPLETION, by=people["community_secretary"], posted_on=D(2026, 12, 30)
    )
    assert notice.ends_provisional
    page = client.get(reverse("publicity:notice_detail", args=[notice.pk])).content.decode()
    assert "（暂定）" in page and PROVISIONAL_NOTE in page


@pytest.mark.parametrize("name", ["publicity:notice_detail", "publicity:community_board"])
def test_convention_is_shown_wherever_a_period_is(plan_notice, client, name):
    arg = plan_notice.pk if name.endswith("detail") else plan_notice.community.code
    page = client.get(reverse(name, args=[arg])).content.decode()
    assert CONVENTION_NOTE in page
