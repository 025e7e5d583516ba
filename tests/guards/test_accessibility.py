"""Accessibility: axe-core (npm, tests/guards/package.json, installed by `make test`) runs in
Debian's Chromium on the public pages at a phone's 360 px — in the normal and the large-text mode,
error pages included — and on the main staff pages at desktop size. No serious or critical
violation is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from fundadmin.roles import Role
from tests.conftest import login
from tests.factories import user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


def axe_violations(page, url: str, status: int = 200) -> list[str]:
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: run `make test` (it runs npm ci --prefix tests/guards).")
    response = page.goto(page.base + url)
    assert response.status == status, url
    # Evaluated through the DevTools protocol, which the page's CSP does not apply to.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"
    )
    return [
        f"{url}: [{v['impact']}] {v['id']} — {v['help']} at {v['nodes']}" for v in result if v["impact"] in BLOCKING
    ]


def public_urls(world) -> list[str]:
    a = world.a
    code = a.community.code
    return [
        "/",
        f"/c/{code}/",
        f"/notice/{world.notice.pk}/",
        f"/project/{a.projects['closed'].pk}/",
        f"/c/{code}/needs/",
        f"/c/{code}/needs/new/",
        f"/c/{code}/annual/",
        "/data/",
        f"/objection/?code={world.objection.tracking_code}",
        f"/need/?code={world.need.tracking_code}",
        "/need/",
        "/accounts/login/",
    ]


# Error pages a resident can meet (fundadmin/errors.py), with the status each answers.
ERROR_URLS = [("/no-such-page/", 404), ("/notice/987654/", 404)]


def test_public_pages_on_a_phone(phone, world):
    found = [v for url in public_urls(world) for v in axe_violations(phone, url)]
    found += [v for url, status in ERROR_URLS for v in axe_violations(phone, url, status)]
    assert not found, "\n".join(found)


def test_public_pages_in_the_large_text_mode(phone, world):
    """The 适老化 mode (fundadmin/display.py) is held to the same standard as the normal one."""
    from fundadmin import display

    phone.context.add_cookies([{"name": display.COOKIE, "value": display.LARGE, "url": phone.base}])
    found = []
    for url in public_urls(world):
        found += axe_violations(phone, url)
        assert phone.evaluate("document.body.classList.contains('large-text')"), url
    found += [v for url, status in ERROR_URLS for v in axe_violations(phone, url, status)]
    assert not found, "\n".join(found)


def staff_urls(world) -> list[tuple[Role, str]]:
    a = world.a
    code, year = a.community.code, a.fund_year.year
    closed = a.projects["closed"].pk
    return [
        (Role.COMMUNITY_SECRETARY, "/inbox/"),
        (Role.COMMUNITY_SECRETARY, "/projects/"),
        (Role.COMMUNITY_SECRETARY, f"/projects/{closed}/"),
        (Role.COMMUNITY_SECRETARY, "/projects/new/"),
        (Role.COMMUNITY_SECRETARY, f"/publicity/c/{code}/notices/"),
        (Role.COMMITTEE_MEMBER, f"/publicity/c/{code}/objections/"),
        (Role.COMMUNITY_MEMBER, f"/publicity/c/{code}/needs/"),
        (Role.FINANCE, "/ledger/"),
        (Role.FINANCE, f"/ledger/{code}/{year}/"),
        (Role.FINANCE, f"/ledger/committee/{a.community.committee.code}/{year}/"),
    ]


def test_staff_pages(page, world):
    found = []
    signed_in = None
    for role, url in staff_urls(world):
        if role != signed_in:
            page.context.clear_cookies()
            login(page, world.a.people[role].username)
            signed_in = role
        found += axe_violations(page, url)
    assert not found, "\n".join(found)


def _axe_here(page, label: str) -> list[str]:
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"
    )
    return [
        f"{label}: [{v['impact']}] {v['id']} — {v['help']} at {v['nodes']}" for v in result if v["impact"] in BLOCKING
    ]


def test_decision_pages_the_list_and_empty_inboxes(page, phone, world, clock):
    """Issue 13, points 1, 2, 14, 15: the act pages with what is decided (an overdue approval, a
    signature, a settlement, a change request over what the year can bear), the project list
    searched and sorted, and the empty inboxes — at desktop size and on a phone."""
    import datetime as dt

    from projects.models import Status
    from projects.selectors import approval_deadline
    from tests.projects.helpers import new_project, walk

    a = world.a
    clock.to(dt.date(2026, 10, 12))
    walked = {
        status: walk(new_project(a.people, a.fund_year, title=f"决定页{n}"), a.people, status, clock)
        for n, status in enumerate((Status.INVOICE_SIGNING_2, Status.SIGNED, Status.EXECUTING, Status.SUBMITTED))
    }
    clock.to(approval_deadline(walked[Status.SUBMITTED]).date + dt.timedelta(days=3))  # overdue
    admin = user_with_role(Role.SYSTEM_ADMIN, None, username="axe_admin")
    urls = [
        (Role.COMMITTEE_SECRETARY, f"/projects/{walked[Status.SUBMITTED].pk}/act/approve_for_committee/"),
        (
            Role.CONSTRUCTION_DIRECTOR,
            f"/projects/{walked[Status.INVOICE_SIGNING_2].pk}/act/sign_as_construction_director/",
        ),
        (Role.FINANCE, f"/projects/{walked[Status.SIGNED].pk}/act/settle/"),
        (Role.COMMITTEE_SECRETARY, "/projects/?sort=deadline&q=决定页&stage=approval"),
        (Role.COMMUNITY_MEMBER, "/inbox/"),
    ]
    found = []
    for screen in (page, phone):
        for role, url in urls:
            screen.context.clear_cookies()
            login(screen, a.people[role].username)
            found += axe_violations(screen, url)
        screen.context.clear_cookies()
        login(screen, admin.username)
        found += axe_violations(screen, "/inbox/")
        assert "导入城市数据" in screen.locator(".empty-room").inner_text()
        # The change request, over what the year can bear: the warning is on the page.
        screen.context.clear_cookies()
        login(screen, a.people[Role.COMMUNITY_SECRETARY].username)
        found += axe_violations(screen, f"/projects/{walked[Status.EXECUTING].pk}/act/request_change/")
        screen.fill("#id_reason", "物价上涨")
        screen.fill("#id_description", "增加服务次数")
        screen.fill("#id_new_amount", "900000")
        screen.get_by_role("button", name="确认：申请变更").click()
        screen.locator("#over-limit").wait_for()
        found += _axe_here(screen, "change request over the limit")
    assert not found, "\n".join(found)


def test_indicator_pages(page, phone, world, settings):
    """The integrity indicators (Art. 19) and the city comparison, at desktop size and on a phone."""
    from django.urls import reverse

    from fundadmin.models import User
    from supervision.indicators.services import indicators_compute
    from supervision.models import Finding
    from tests.factories import user_with_role

    settings.INTEGRITY_INDICATORS = {**settings.INTEGRITY_INDICATORS, "low_satisfaction_percent": 95}
    indicators_compute()
    finding = Finding.objects.filter(community=world.a.community).first()
    committee = world.a.community.committee.code
    city = User.objects.get(pk=user_with_role(Role.CITY_OVERSIGHT, None).pk)
    pages = [
        (world.a.people[Role.SUPERVISOR], reverse("supervision:home")),
        (world.a.people[Role.SUPERVISOR], reverse("supervision:indicator_detail", args=[finding.pk])),
        (
            world.a.people[Role.SUPERVISOR],
            f"{reverse('supervision:opinion_new', args=[world.a.community.code])}?finding={finding.pk}",
        ),
        (world.a.people[Role.COMMITTEE_SECRETARY], reverse("supervision:dashboard", args=[committee])),
        (city, reverse("supervision:city")),
        (city, reverse("supervision:indicator_list")),
    ]
    found = []
    for browser in (page, phone):
        signed_in = None
        for user, url in pages:
            if user != signed_in:
                browser.context.clear_cookies()
                login(browser, user.username)
                signed_in = user
            found += axe_violations(browser, url)
    assert not found, "\n".join(found)
