import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from fundadmin.roles import Role
from ledger.models import JournalEntry, Kind
from tests.factories import FundYearFactory, user_with_role

from .factories import funded, paid_project

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def fy2026(community):
    return FundYearFactory(community=community, year=2026)


@pytest.fixture
def finance(community):
    return user_with_role(Role.FINANCE, community)


@pytest.fixture
def book_url(fy2026):
    return reverse("ledger:book", kwargs={"community": fy2026.community.code, "year": 2026})


def url(name, fund_year, **extra):
    return reverse(f"ledger:{name}", kwargs={"community": fund_year.community.code, "year": fund_year.year, **extra})


# -- reading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COMMUNITY_SECRETARY, Role.SUPERVISOR, Role.FINANCE, Role.COMMITTEE_SECRETARY])
def test_book_is_readable_by_own_community_and_committee(client, community, fy2026, book_url, role):
    funded(fy2026, D("60000.00"))
    project, _ = paid_project(fy2026, D("1500.00"))
    client.force_login(user_with_role(role, community))
    page = client.get(book_url).content.decode()
    assert "明细账" in page and "2026-0001" in page and "60,000.00" in page and "58,500.00" in page
    assert project.number in page
    assert ("登记财政拨款" in page) == (role == Role.FINANCE)


def test_book_refused_for_other_community_and_anonymous(client, other_community, fy2026, book_url):
    client.force_login(user_with_role(Role.FINANCE, other_community))
    assert client.get(book_url).status_code == 403
    assert client.get(url("book_xlsx", fy2026)).status_code == 403
    assert client.get(url("book_pdf", fy2026)).status_code == 403
    client.logout()
    assert client.get(book_url).status_code == 302


def test_book_for_missing_year_is_404(client, community, fy2026, finance):
    client.force_login(finance)
    assert client.get(reverse("ledger:book", kwargs={"community": community.code, "year": 2019})).status_code == 404


def test_book_filters_keep_the_running_balance(client, community, fy2026, book_url, finance):
    funded(fy2026, D("1000.00"), day=datetime.date(2026, 3, 1))
    paid_project(fy2026, D("100.00"), datetime.date(2026, 4, 1))
    p2, _ = paid_project(fy2026, D("200.00"), datetime.date(2026, 5, 1))
    client.force_login(finance)
    page = client.get(book_url, {"project": p2.pk}).content.decode()
    assert p2.number in page and "700.00" in page and "2026-0002" not in page
    page = client.get(book_url, {"date_from": "2026-04-15", "kind": Kind.PAYMENT}).content.decode()
    assert "期初余额" in page and "900.00" in page and "2026-0003" in page and "2026-0001" not in page
    page = client.get(book_url, {"date_from": "2026-05-01", "date_to": "2026-04-01"}).content.decode()
    assert "起始日期不能晚于截止日期" in page


def test_book_query_count_is_bounded(client, community, fy2026, book_url, finance, django_assert_max_num_queries):
    client.force_login(finance)
    funded(fy2026, D("1000.00"))
    paid_project(fy2026, D("1.00"))
    with django_assert_max_num_queries(40) as few:
        client.get(book_url)
    for _ in range(15):
        paid_project(fy2026, D("1.00"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(book_url)


def test_xlsx_export_contains_the_rows(client, community, fy2026, finance):
    from openpyxl import load_workbook

    funded(fy2026, D("100000.00"))
    project, _ = paid_project(fy2026, D("2345.67"))
    client.force_login(finance)
    response = client.get(url("book_xlsx", fy2026))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert "党组织服务群众专项经费" in rows[0][0] and rows[2][:3] == ["日期", "凭证号", "摘要"]
    payment = next(r for r in rows if r[1] == "2026-0002")
    assert Decimal(str(payment[4])) == D("2345.67") and project.number in payment[8]
    assert Decimal(str(rows[-1][7])) == D("97654.33")
    # Money cells are numbers shown with thousands separators, dates are dates (issue 13, point 6).
    cells = next(r for r in ws.iter_rows() if r[1].value == "2026-0002")
    assert cells[4].number_format == "#,##0.00" and cells[7].number_format == "#,##0.00"
    assert isinstance(cells[4].value, int | float | Decimal) and cells[0].number_format == "yyyy-mm-dd"


@pytest.mark.django_db(transaction=True)  # the worker renders what committed
def test_pdf_export_is_a4_with_chinese_title(client, community, fy2026, finance):
    from pypdf import PdfReader

    from tests.notifications.helpers import run_worker

    funded(fy2026, D("100000.00"))
    client.force_login(user_with_role(Role.SUPERVISOR, community))
    waiting = client.get(url("book_pdf", fy2026))
    assert waiting.status_code == 202 and "正在生成经费台账（PDF）" in waiting.content.decode()
    run_worker()  # the background worker renders it (ledger.views.BOOK_PDF)
    response = client.get(url("book_pdf", fy2026))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    page = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0]
    text = page.extract_text()
    assert "党组织服务群众专项经费明细账" in text and community.name in text
    assert "100,000.00" in text  # one money format on paper too
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842


def test_committee_view(client, community, fy2026, finance):
    funded(fy2026, D("100000.00"))
    paid_project(fy2026, D("500.00"))
    client.force_login(finance)
    page = client.get(reverse("ledger:committee", kwargs={"committee": community.committee.code, "year": 2026}))
    text = page.content.decode()
    assert page.status_code == 200 and community.name in text and "500.00" in text and "20,000.00" in text


def test_committee_view_refused_to_community_roles_and_other_committee(client, community, other_community):
    target = reverse("ledger:committee", kwargs={"committee": community.committee.code, "year": 2026})
    client.force_login(user_with_role(Role.COMMUNITY_SECRETARY, community))
    assert client.get(target).status_code == 403
    client.force_login(user_with_role(Role.FINANCE, other_community))
    assert client.get(target).status_code == 403


def test_index_lists_visible_books(client, community, other_community, fy2026, finance):
    FundYearFactory(community=other_community, year=2026)
    client.force_login(finance)
    page = client.get(reverse("ledger:index")).content.decode()
    assert community.name in page and other_community.name not in page


# -- writing ---------------------------------------------------------------------------------------


def test_finance_records_an_appropriation(client, community, fy2026, finance, book_url):
    client.force_login(finance)
    assert client.get(url("appropriation_new", fy2026)).status_code == 200
    response = client.post(
        url("appropriation_new", fy2026),
        {"amount": "60000.00", "entry_date": "2026-03-02", "reference": "财社〔2026〕11号"},
    )
    assert response.status_code == 302 and response["Location"] == book_url
    entry = JournalEntry.objects.get()
    assert (entry.credit, entry.created_by, entry.reference) == (D("60000.00"), finance, "财社〔2026〕11号")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "0", "entry_date": "2026-03-02"}, "金额须大于零"),
        ({"amount": "-5", "entry_date": "2026-03-02"}, "金额须大于零"),
        ({"amount": "1.234", "entry_date": "2026-03-02"}, "金额最多两位小数（精确到分）"),
        ({"amount": "abc", "entry_date": "2026-03-02"}, "金额须为数字"),
        ({"amount": "", "entry_date": "2026-03-02"}, "请填写金额"),
        ({"amount": "10", "entry_date": "2025-12-31"}, "日期须在2026年"),
        ({"amount": "10", "entry_date": "2026-13-01"}, "日期格式应为"),
        ({"amount": "10", "entry_date": ""}, "请填写到账日期"),
        ({"amount": "100000.01", "entry_date": "2026-03-02"}, "超过2026年度经费"),
    ],
)
def test_appropriation_form_errors_change_nothing(client, community, fy2026, finance, data, message):
    client.force_login(finance)
    events = AuditEvent.objects.count()
    response = client.post(url("appropriation_new", fy2026), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not JournalEntry.objects.exists() and AuditEvent.objects.count() == events


def test_appropriation_into_closed_year_is_refused_by_the_form(client, community, finance):
    fy2025 = FundYearFactory(community=community, year=2025)
    FundYearFactory(community=community, year=2026)
    from ledger.services import fund_year_close

    fund_year_close(fund_year=fy2025, by=None, today=datetime.date(2026, 1, 5))
    client.force_login(finance)
    response = client.post(url("appropriation_new", fy2025), {"amount": "10", "entry_date": "2025-06-01"})
    assert "已结转" in response.content.decode() and not JournalEntry.objects.exists()


@pytest.mark.parametrize("role", [Role.COMMUNITY_SECRETARY, Role.SUPERVISOR, Role.COMMITTEE_SECRETARY])
def test_only_finance_writes(client, community, fy2026, role):
    entry = funded(fy2026, D("10.00"))
    client.force_login(user_with_role(role, community))
    assert client.get(url("appropriation_new", fy2026)).status_code == 403
    assert client.post(url("appropriation_new", fy2026), {"amount": "1", "entry_date": "2026-03-02"}).status_code == 403
    reverse_url = reverse("ledger:entry_reverse", kwargs={"pk": entry.pk})
    assert client.post(reverse_url, {"reason": "x", "entry_date": "2026-04-01"}).status_code == 403
    assert client.post(url("fund_year_close", fy2026)).status_code == 403
    assert JournalEntry.objects.count() == 1


def test_finance_of_another_committee_cannot_write(client, other_community, fy2026):
    entry = funded(fy2026, D("10.00"))
    client.force_login(user_with_role(Role.FINANCE, other_community))
    reverse_url = reverse("ledger:entry_reverse", kwargs={"pk": entry.pk})
    assert client.post(reverse_url, {"reason": "x", "entry_date": "2026-04-01"}).status_code == 403
    assert client.post(url("appropriation_new", fy2026), {"amount": "1", "entry_date": "2026-03-02"}).status_code == 403


def test_finance_reverses_an_entry(client, community, fy2026, finance, book_url):
    entry = funded(fy2026, D("10.00"))
    client.force_login(finance)
    reverse_url = reverse("ledger:entry_reverse", kwargs={"pk": entry.pk})
    assert "冲销凭证 2026-0001" in client.get(reverse_url).content.decode()
    response = client.post(reverse_url, {"reason": "重复登记", "entry_date": "2026-04-01"})
    assert response.status_code == 302 and response["Location"] == book_url
    assert JournalEntry.objects.get(kind=Kind.REVERSAL).reason == "重复登记"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "", "entry_date": "2026-04-01"}, "冲销须填写原因"),
        ({"reason": "   ", "entry_date": "2026-04-01"}, "冲销须填写原因"),
        ({"reason": "x", "entry_date": "2027-01-01"}, "日期须在2026年"),
        ({"reason": "x", "entry_date": ""}, "请填写冲销日期"),
    ],
)
def test_reversal_form_errors_change_nothing(client, community, fy2026, finance, data, message):
    entry = funded(fy2026, D("10.00"))
    client.force_login(finance)
    events = AuditEvent.objects.count()
    response = client.post(reverse("ledger:entry_reverse", kwargs={"pk": entry.pk}), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert JournalEntry.objects.count() == 1 and AuditEvent.objects.count() == events


def test_reversing_twice_is_explained(client, community, fy2026, finance):
    entry = funded(fy2026, D("10.00"))
    client.force_login(finance)
    target = reverse("ledger:entry_reverse", kwargs={"pk": entry.pk})
    client.post(target, {"reason": "重复登记", "entry_date": "2026-04-01"})
    response = client.post(target, {"reason": "再来", "entry_date": "2026-04-01"})
    assert "已被冲销" in response.content.decode() and JournalEntry.objects.count() == 2


def test_close_year_button_is_post_only_and_closes(client, community, finance):
    fy2025 = FundYearFactory(community=community, year=2025)
    FundYearFactory(community=community, year=2026)
    funded(fy2025, D("100000.00"))
    client.force_login(finance)
    assert "年度结转" in client.get(url("book", fy2025)).content.decode()
    assert client.get(url("fund_year_close", fy2025)).status_code == 405
    response = client.post(url("fund_year_close", fy2025), follow=True)
    assert response.redirect_chain[-1][0] == url("book", FundYearFactory._meta.model.objects.get(year=2026))
    assert "结余 100,000.00 元转入2026年度" in response.content.decode()
    fy2025.refresh_from_db()
    assert fy2025.is_closed


def test_close_refusal_is_shown(client, community, fy2026, finance):
    client.force_login(finance)
    response = client.post(url("fund_year_close", fy2026), follow=True)
    assert "尚未结束" in response.content.decode()
    fy2026.refresh_from_db()
    assert not fy2026.is_closed


def test_appropriation_amount_accepts_full_width_digits_and_separators():
    from ledger.forms import AppropriationForm

    fund_year = FundYearFactory.build(year=2026)
    form = AppropriationForm({"amount": "１２，３４５．６０元", "entry_date": "2026-03-02"}, fund_year=fund_year)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == Decimal("12345.60")
