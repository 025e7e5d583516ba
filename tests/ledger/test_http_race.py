"""The overdraw race through the web (issue 15): two finance officers press 与承办方结算 for two
projects at the same moment, over real HTTP to a live server on PostgreSQL, and the two
payments together exceed the balance. One is paid; the other is refused with the figure that
matters, and nothing of it is kept (Art. 13, 17). The service-level thread test is
tests/ledger/test_concurrency.py."""

import datetime
import html
import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from fundadmin.roles import Role
from ledger.models import JournalEntry, Kind
from ledger.selectors import fund_balances
from projects.models import Project, Settlement, Status
from tests.factories import FundYearFactory, user_with_role

from .factories import funded, project_create


def _token(page: str) -> str:
    return html.unescape(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1))


def _browser(live_server, user):
    """A cookie jar signed in as ``user`` through the login page, as a person would."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = f"{live_server.url}/accounts/login/"
    token = _token(opener.open(login).read().decode())
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": user.username, "password": "pw"})
    with opener.open(urllib.request.Request(login, data=body.encode(), headers={"Referer": login})) as response:
        assert response.url.endswith("/inbox/"), "signed in"
    return opener, jar


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_payments_over_http_cannot_both_pass_the_balance(live_server, community):
    fund_year = FundYearFactory(community=community, year=datetime.date.today().year)
    funded(fund_year, Decimal("1000.00"), day=datetime.date(fund_year.year, 1, 5))
    projects = [project_create(fund_year, status=Status.SIGNED, approved_amount=Decimal("600.00")) for _ in range(2)]
    officers = [user_with_role(Role.FINANCE, community) for _ in range(2)]

    prepared = []
    for project, officer in zip(projects, officers, strict=True):
        opener, jar = _browser(live_server, officer)
        url = f"{live_server.url}/projects/{project.pk}/act/settle/"
        page = opener.open(url).read().decode()
        assert "与承办方结算" in page
        token = _token(page)
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "amount": "600.00",
                "paid_on": datetime.date.today().isoformat(),
                "method": Settlement.Method.TRANSFER,
                "reference": f"ZZ{project.pk}",
                "payee": "示例家政服务有限公司",
            }
        ).encode()
        no_redirect = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
        prepared.append((no_redirect, url, body))

    barrier = threading.Barrier(2)
    answers: list[tuple[int, str]] = []

    def press(opener, url, body):
        request = urllib.request.Request(url, data=body, headers={"Referer": url})
        barrier.wait(timeout=10)
        try:
            with opener.open(request, timeout=30) as response:
                answers.append((response.status, response.read().decode()))
        except urllib.error.HTTPError as error:  # 302 (not followed) and 4xx land here
            answers.append((error.code, error.read().decode()))

    threads = [threading.Thread(target=press, args=args) for args in prepared]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    codes = sorted(code for code, _ in answers)
    assert codes == [200, 302], answers
    [refusal] = [text for code, text in answers if code == 200]
    assert "余额不足" in refusal and "现有余额 400.00 元，不足以支付 600.00 元" in refusal
    assert JournalEntry.objects.filter(kind=Kind.PAYMENT).count() == 1
    assert fund_balances(fund_year).cash == Decimal("400.00")
    statuses = sorted(Project.objects.filter(pk__in=[p.pk for p in projects]).values_list("status", flat=True))
    assert statuses == sorted([Status.PAID, Status.SIGNED])
    assert Settlement.objects.count() == 1
    assert AuditEvent.objects.filter(action="ledger.payment").count() == 1
