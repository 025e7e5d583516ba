"""Finding things and empty rooms, in real Chromium (issue 13, points 14 and 15): the project list
searches by title, number and contractor, sorts by deadline, amount and last change, says for each
row whom the project waits for and by when, offers a one-community user no 全部社区 and a year
select, and reads as labelled rows at 360 px; an empty inbox names what this person can do and
links to it."""

import datetime as dt
from decimal import Decimal

import pytest

from fundadmin.roles import Role
from projects import services
from projects.models import Project, Status
from projects.selectors import approval_deadline
from publicity.models import Notice
from tests.browser.test_project_flow import USERNAMES, as_user, cast  # noqa: F401
from tests.conftest import login
from tests.factories import FundYearFactory, grant, user_with_role
from tests.projects.helpers import Clock, lines, new_project, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CS, KM, KS = Role.COMMUNITY_SECRETARY, Role.COMMITTEE_MEMBER, Role.COMMITTEE_SECRETARY


def _titles(page) -> list[str]:
    return [t.strip() for t in page.locator("table.project-list tbody td.row-head a").all_inner_texts()]


def _scroll_width(page) -> int:
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


@pytest.fixture
def listed(cast, time_machine):  # noqa: F811
    """Four projects of one community: a draft, one on notice, one awaiting approval (overdue by
    the time the list is read) and a larger one approved."""
    people, fund_year = cast
    clock = Clock(time_machine, start=dt.date(2026, 11, 2))
    late = walk(new_project(people, fund_year, title="楼道扶手加装"), people, Status.SUBMITTED, clock)
    big = new_project(people, fund_year, title="社区健身路径", contractor_name="康体器材有限公司")
    services.project_update(project=big, by=people[CS], fields={}, lines=lines("30000.00"))
    walk(big, people, Status.APPROVED, clock)
    on_notice = walk(new_project(people, fund_year, title="邻里节百家宴"), people, Status.PUBLICITY, clock)
    draft = new_project(people, fund_year, title="单元门禁维修", contractor_name="安居安防科技")
    # The day after the approval fell due, while the notice still runs.
    due = approval_deadline(Project.objects.get(pk=late.pk)).date
    ends = Notice.objects.get(project=on_notice, kind=Notice.Kind.PLAN).ends_on
    assert due < ends
    clock.to(due + dt.timedelta(days=1))
    return {"late": late, "big": big, "notice": on_notice, "draft": draft, "clock": clock}


def test_the_list_searches_sorts_and_says_whom_each_project_waits_for(page, listed):
    as_user(page, KS)
    page.goto(page.base + "/projects/")
    assert set(_titles(page)) == {"楼道扶手加装", "社区健身路径", "邻里节百家宴", "单元门禁维修"}

    # Search by title, by number, by contractor (through the form, as a person would).
    for typed, found in (
        ("扶手", {"楼道扶手加装"}),
        (Project.objects.get(pk=listed["big"].pk).number, {"社区健身路径"}),
        ("安居安防", {"单元门禁维修"}),
    ):
        page.fill("#id_q", typed)
        page.get_by_role("button", name="查找").click()
        page.wait_for_load_state()
        assert set(_titles(page)) == found, typed
    page.fill("#id_q", "没有这个项目")
    page.get_by_role("button", name="查找").click()
    assert "没有找到与“没有这个项目”相符的项目" in page.locator("p.empty").inner_text()
    page.get_by_role("link", name="清除条件").first.click()

    # By amount: the 30,000 one first.
    page.select_option("#id_sort", "amount")
    page.get_by_role("button", name="查找").click()
    assert _titles(page)[0] == "社区健身路径" and "按金额（大的在前）排列" in page.locator("main").inner_text()
    # By deadline: the overdue approval first, then the notice that is running, then the rest.
    page.select_option("#id_sort", "deadline")
    page.get_by_role("button", name="查找").click()
    assert _titles(page)[:2] == ["楼道扶手加装", "邻里节百家宴"]
    # By last change: the draft was the last thing done.
    page.select_option("#id_sort", "changed")
    page.get_by_role("button", name="查找").click()
    assert _titles(page)[0] == "单元门禁维修"

    # The "waiting for / due" column: who, and by when — overdue in red.
    page.goto(page.base + "/projects/?sort=deadline")
    first = page.locator("table.project-list tbody tr").first
    waits = first.locator("td[data-label='等待 / 期限']").inner_text()
    assert "等待" in waits and "dgw_shuji" in waits and "党工委班子会议批准" in waits and "建管委批准" in waits
    assert "已超期" in waits and "期限 2026-11-" in waits
    assert first.locator(".waits-when").evaluate("e => getComputedStyle(e).color") == "rgb(207, 34, 46)"
    notice_row = page.locator("table.project-list tbody tr").nth(1).inner_text()
    assert "公示期至 2026-11-" in notice_row and "之后：" in notice_row and "报送党工委审批" in notice_row

    # A committee user may filter by community; the year is a select of the years there are.
    assert page.locator("#id_community").count() == 1
    assert page.locator("#id_year option").all_text_contents() == ["全部年度", "2026年"]


def test_a_one_community_user_gets_no_community_filter_and_the_list_reads_on_a_phone(phone, listed, community):
    FundYearFactory(community=community, year=2025)
    login(phone, USERNAMES[CS])
    phone.goto(phone.base + "/projects/")
    assert phone.locator("#id_community").count() == 0 and "全部社区" not in phone.content()
    assert phone.locator("#id_year option").all_text_contents() == ["全部年度", "2026年", "2025年"]
    assert _scroll_width(phone) <= 360
    # Labelled rows: the waiting column reads beside its label, not one character per line.
    cell = phone.locator("table.project-list tbody tr").first.locator("td[data-label='等待 / 期限']")
    assert phone.evaluate("e => getComputedStyle(e, '::before').content", cell.element_handle()) == '"等待 / 期限"'
    assert cell.bounding_box()["width"] > 280
    # Filters beyond the search fold away on a phone until one is used.
    assert not phone.locator("#id_stage").is_visible()
    phone.locator(".more-filters summary").click()
    phone.select_option("#id_year", "2025")
    phone.get_by_role("button", name="查找").click()
    assert phone.locator("#id_stage").is_visible()  # open again once a filter is used
    assert "没有符合条件的项目" in phone.locator("p.empty").inner_text()


def test_empty_inboxes_name_what_the_person_can_do_and_link_to_it(page, phone, community, cast):  # noqa: F811
    member = user_with_role(Role.COMMUNITY_MEMBER, community, username="weiyuan")
    admin = user_with_role(Role.SYSTEM_ADMIN, None, username="guanli")
    assert member and admin
    for screen in (page, phone):
        screen.context.clear_cookies()
        login(screen, "weiyuan")
        empty = screen.locator(".empty-room")
        assert "目前没有等待您办理的事项" in empty.inner_text()
        offers = empty.locator("a.offer").all_inner_texts()
        assert offers == ["提出新项目", "登记民意诉求", "查看项目"]
        assert _scroll_width(screen) <= screen.viewport_size["width"]
    page.get_by_role("link", name="提出新项目").click()
    page.wait_for_url("**/projects/new/")
    page.go_back()
    page.get_by_role("link", name="登记民意诉求").click()
    page.wait_for_url(f"**/publicity/c/{community.code}/needs/")

    page.context.clear_cookies()
    login(page, "guanli")
    offers = page.locator(".empty-room a.offer").all_inner_texts()
    assert offers == ["导入城市数据", "导入工作日历", "系统管理"]  # no project list: an admin reads none
    page.get_by_role("link", name="导入城市数据").click()
    page.wait_for_url("**/setup/city/")

    # Finance, with nothing to settle, is pointed at the books.
    page.context.clear_cookies()
    login(page, USERNAMES[Role.FINANCE])
    offers = page.locator(".empty-room a.offer").all_inner_texts()
    assert offers[0] == "经费台账" and "工作看板" in offers


def test_a_role_held_in_two_scopes_does_not_list_twice(page, community, cast):  # noqa: F811
    """A community secretary who is also a committee member: the list has one row per project."""
    people, fund_year = cast
    grant(people[CS], KM, community.committee)
    project = new_project(people, fund_year, title="唯一的项目")
    services.project_update(project=project, by=people[CS], fields={}, lines=lines("1000.00"))
    as_user(page, CS)
    page.goto(page.base + "/projects/")
    assert _titles(page) == ["唯一的项目"] and Project.objects.get().budget_total == Decimal("1000.00")
