"""Staff pages on a 360 px phone (issue 13, point 7; UX.md "Phones"): tables a person reads become
labelled rows, checkboxes and buttons are big enough to tap, text is at least 16 px, and no main
page of any demo role scrolls sideways.

Set FUNDADMIN_SCREENSHOTS=/some/dir to also keep a 360 px and a 1280 px screenshot of every page
the demo-role walk visits."""

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from fundadmin.roles import Role
from ledger.services import appropriation_record
from tests.conftest import login
from tests.factories import FundYearFactory, user_with_role
from tests.projects.helpers import new_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 360


def _scroll_width(page) -> int:
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


def _label_before(page, selector: str) -> str:
    return page.evaluate(
        "s => getComputedStyle(document.querySelector(s), '::before').content.replace(/^\"|\"$/g, '')", selector
    )


@pytest.fixture
def finance_book(community):
    import datetime as dt

    user_with_role(Role.FINANCE, community, username="caiwu")
    fund_year = FundYearFactory(community=community)
    appropriation_record(fund_year=fund_year, amount=fund_year.allocation, entry_date=dt.date(2026, 1, 5), by=None)
    return fund_year


def test_book_and_project_list_become_labelled_rows_on_a_phone(phone, finance_book, community):
    secretary = user_with_role(Role.COMMUNITY_SECRETARY, community)
    new_project({Role.COMMUNITY_SECRETARY: secretary}, finance_book, title="为3栋老楼更换声控灯并加装楼道扶手")
    login(phone, "caiwu")
    phone.goto(f"{phone.base}/ledger/{community.code}/{finance_book.year}/")
    assert _scroll_width(phone) <= WIDTH
    # The year's figures with thousands separators and the unit (issue 13: "51800" beside "42900.00").
    figures = phone.locator("dl.figures").inner_text()
    assert "年度经费\n100,000.00 元" in figures
    cell = "table.rows tbody tr:first-child td[data-label='贷方（元）']"
    assert _label_before(phone, cell) == "贷方（元）" and phone.locator(cell).inner_text() == "100,000.00"
    assert (
        phone.evaluate("getComputedStyle(document.querySelector('table.rows tr')).display") == "flex"
    )  # a card, not a row
    # A cell reads across, label beside value — not one character per line.
    box = phone.locator("table.rows tbody tr:first-child td[data-label='摘要']").bounding_box()
    assert box["width"] > 250 and box["height"] < 120

    phone.goto(phone.base + "/projects/")
    assert _scroll_width(phone) <= WIDTH
    assert _label_before(phone, "table.rows tbody td[data-label='金额（元）']") == "金额（元）"
    title = phone.locator("table.rows tbody td.row-head").first
    assert title.bounding_box()["width"] > 250


def test_checkboxes_and_buttons_are_big_enough_to_tap_and_text_is_16px(phone, community):
    user_with_role(Role.COMMUNITY_SECRETARY, community, username="shuji")
    FundYearFactory(community=community)
    login(phone, "shuji")
    phone.goto(phone.base + "/projects/new/")
    assert _scroll_width(phone) <= WIDTH
    box = phone.locator("#id_decl_not_office").bounding_box()
    assert box["width"] >= 20 and box["height"] >= 20  # was 13 px
    row = phone.locator("label.check:has(#id_decl_not_office)").bounding_box()
    assert row["height"] >= 44 and row["width"] > 280  # the whole labelled row is the target
    for name in ("添加一行", "删除此行"):
        assert phone.get_by_role("button", name=name).first.bounding_box()["height"] >= 44
    assert phone.locator("#id_title").bounding_box()["height"] >= 44
    small = phone.evaluate(
        """() => [...document.querySelectorAll(
                'main p, main li, main td, main label, main input, main select, main textarea, main button, main dd')]
            .filter(e => e.offsetParent !== null && !e.closest('.badge'))
            .filter(e => parseFloat(getComputedStyle(e).fontSize) < 16)
            .map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 20))"""
    )
    assert small == []


# Every demo role's main pages: the navigation's, and the pages its work leads to.
DEMO_PAGES = {
    "community_secretary": [
        "/inbox/",
        "/projects/",
        "/projects/new/",
        "/projects/{project}/",
        "/projects/{executing}/act/request_change/",
        "/ledger/",
        "/ledger/guihua/2026/",
        "/supervision/",
        "/publicity/c/guihua/notices/",
        "/publicity/c/guihua/needs/",
        "/publicity/c/guihua/objections/",
        "/supervision/c/guihua/opinions/",
        "/supervision/c/guihua/report/2026/",
    ],
    "community_member": ["/inbox/", "/projects/", "/projects/{project}/", "/ledger/guihua/2026/"],
    "supervisor": [
        "/inbox/",
        "/projects/",
        "/projects/{project}/",
        "/ledger/guihua/2026/",
        "/supervision/",
        "/supervision/c/guihua/opinions/",
        "/supervision/c/guihua/opinions/new/",
        "/supervision/c/guihua/trail/",
    ],
    "committee_secretary": [
        "/inbox/",
        "/projects/",
        "/projects/?sort=deadline&q=社区",
        "/projects/{project}/",
        # The decision pages (issue 13, point 1): an overdue approval, the last invoice signature.
        "/projects/{submitted}/act/approve_for_committee/",
        "/projects/{signing}/act/sign_as_committee_secretary/",
        "/ledger/",
        "/ledger/committee/donghu/2026/",
        "/supervision/",
        "/supervision/committee/donghu/",
        "/supervision/committee/donghu/2026/reports/",
        "/publicity/committee/donghu/annual/2026/",
    ],
    "committee_member": ["/inbox/", "/projects/", "/projects/{project}/", "/supervision/committee/donghu/"],
    "finance": [
        "/inbox/",
        "/projects/",
        "/projects/{signed}/act/settle/",
        "/ledger/",
        "/ledger/guihua/2026/",
        "/ledger/guihua/2026/appropriation/",
        "/ledger/committee/donghu/2026/",
    ],
    "construction_director": ["/inbox/", "/projects/", "/projects/{project}/"],
    "admin": ["/inbox/", "/projects/", "/ledger/", "/supervision/"],
}


def test_no_main_page_of_any_demo_role_scrolls_sideways_at_360px(chromium, live_server, monkeypatch):
    from projects.models import Project, Status

    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    project = Project.objects.filter(community__code="guihua", budget_lines__isnull=False).order_by("pk").first()
    guihua = Project.objects.filter(community__code="guihua").order_by("pk")
    ids = {
        "project": project.pk,
        "submitted": guihua.filter(status=Status.SUBMITTED).first().pk,
        "signing": guihua.filter(status=Status.INVOICE_SIGNING_3).first().pk,
        "signed": guihua.filter(status=Status.SIGNED).first().pk,
        "executing": guihua.filter(status=Status.EXECUTING).first().pk,
    }
    shots = os.environ.get("FUNDADMIN_SCREENSHOTS")
    wide = []
    visited = 0
    for username, paths in DEMO_PAGES.items():
        sizes = [(WIDTH, 740)] + ([(1280, 900)] if shots else [])
        for width, height in sizes:
            context = chromium.new_context(
                viewport={"width": width, "height": height}, is_mobile=width == WIDTH, has_touch=width == WIDTH
            )
            page = context.new_page()
            page.base = live_server.url
            login(page, username, "fundadmin-demo-2026")
            for path in paths:
                url = path.format(**ids)
                response = page.goto(live_server.url + url)
                assert response.status == 200, f"{username} {url}: {response.status}"
                visited += 1
                if width == WIDTH and _scroll_width(page) > WIDTH:
                    culprits = page.evaluate(
                        """w => [...document.querySelectorAll('body *')]
                            .filter(e => e.getBoundingClientRect().right > w + 1)
                            .slice(0, 3).map(e => e.tagName + '.' + e.className)""",
                        WIDTH,
                    )
                    wide.append(f"{username} {url}: {_scroll_width(page)} px ({', '.join(culprits)})")
                if shots:
                    name = f"{username}{re.sub(r'[^a-z0-9]+', '-', url)}".rstrip("-")
                    page.screenshot(path=str(Path(shots) / f"{name}-{width}.png"), full_page=True)
            context.close()
    assert visited >= 45
    assert wide == []
