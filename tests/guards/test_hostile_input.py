"""Hostile input: hypothesis drives the main forms through the test client. Whatever is typed —
full-width digits, thousands separators, too many decimals, huge numbers, impossible dates, NULs,
RTL marks, emoji, template syntax, markup — the answer is never a 500, and what is stored is
exactly what the form validated. Markup and template syntax come back literally (escaped) in
pages, PDFs and spreadsheets."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from fundadmin.models import SpendingCategory
from fundadmin.roles import Role
from projects.forms import BudgetLineFormSet, ProjectForm
from projects.models import Project, Status
from publicity.models import Need, Notice
from tests.projects.helpers import new_project, walk

HOSTILE = [
    "<script>alert(1)</script>",
    "{{ 7|add:1 }}",
    '{% now "Y" %}',
    "\u202eevil\u202c",  # right-to-left override
    "\u200f\u200e",
    "a\x00b",
    "😀👨‍👩‍👧",
    "' OR 1=1 --",
    '=HYPERLINK("http://x")',
    "\ufeff",
    "𠀀𪚥",  # outside the BMP
    " ",
    "",
]
text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=60),
    st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=4).map("".join),
    st.text(min_size=190, max_size=260),
)
FULLWIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")
amount = st.one_of(
    st.decimals(min_value=-1, max_value=10**14, places=3, allow_nan=False).map(str),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False).map(lambda d: f"{d:,}"),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False).map(lambda d: str(d).translate(FULLWIDTH)),
    st.sampled_from(["1e5", "NaN", "Infinity", "-0", "0.001", "9" * 30, "１２３．４５元", "1,2,3", "", "  7  "]),
)
date = st.one_of(
    st.dates().map(str),
    st.sampled_from(["2026-02-30", "0000-00-00", "２０２６-０１-０１", "99999-01-01", "2026/13/01", "today"]),
    st.text(max_size=12),
)
DECLARED = {
    name: "on"
    for name in ("decl_not_office", "decl_not_salary", "decl_not_government", "decl_not_funded", "decl_not_property")
}
# Plausible values in every hostile spelling, so that many examples pass validation and get stored.
labelled = st.tuples(st.sampled_from(["楼道照明", "助老餐", "A"]), text).map("".join)
good_date = st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)).map(str)


def good_amount(top: int):
    value = st.decimals(min_value="0.01", max_value=top, places=2, allow_nan=False)
    return st.one_of(
        value.map(str),
        value.map(lambda d: f"{d:,}"),
        value.map(lambda d: str(d).translate(FULLWIDTH)),
        value.map(lambda d: f" {d}元 "),
    )


SLOW = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


WILD = {
    "title": text,
    "description": text,
    "beneficiary_count": st.one_of(st.integers().map(str), text),
    "planned_start": date,
    "planned_end": date,
    "lines-0-item": text,
    "lines-0-quantity": amount,
    "lines-0-unit": text,
    "lines-0-unit_price": amount,
}


@SLOW
@given(
    title=labelled,
    description=labelled,
    count=st.integers(1, 500).map(str),
    start=good_date,
    end=good_date,
    item=labelled,
    quantity=good_amount(10),
    unit=st.sampled_from(["批", "‮个", "😀", "{{x}}"]),
    price=good_amount(5000),
    wild=st.dictionaries(st.sampled_from(sorted(WILD)), st.none(), max_size=2).flatmap(
        lambda keys: st.fixed_dictionaries({k: WILD[k] for k in keys})
    ),
)
def test_project_create_never_500_and_stores_what_was_validated(
    people, fund_year_with_money, title, description, count, start, end, item, quantity, unit, price, wild
):
    fund_year = fund_year_with_money
    client = Client()
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    data = {
        "fund_year": fund_year.pk,
        "title": title,
        "category": SpendingCategory.objects.get(number=4).pk,
        "description": description,
        "spending_plan": description,
        "beneficiaries": title,
        "beneficiary_count": count,
        "contractor_kind": "organisation",
        "contractor_name": title,
        "planned_start": start,
        "planned_end": end,
        **DECLARED,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "50",
        "lines-0-item": item,
        "lines-0-quantity": quantity,
        "lines-0-unit": unit,
        "lines-0-unit_price": price,
    }
    data.update(wild)  # up to two fields anything at all
    before = set(Project.objects.values_list("pk", flat=True))
    response = client.post("/projects/new/", data)
    assert response.status_code in (200, 302), response.status_code
    created = Project.objects.exclude(pk__in=before)
    if response.status_code == 200:
        assert not created.exists()
        return
    project = created.get()
    form = ProjectForm(data, fund_years=type(fund_year).objects.filter(pk=fund_year.pk), needs=Need.objects.none())
    lines = BudgetLineFormSet(data, prefix="lines")
    assert form.is_valid() and lines.is_valid()
    for name, value in form.plan_fields().items():
        assert getattr(project, name) == value, name
    (line,) = project.budget_lines.all()
    (valid,) = lines.lines()
    assert (line.item, line.quantity, line.unit, line.unit_price) == (
        valid.item,
        valid.quantity,
        valid.unit,
        valid.unit_price,
    )
    # What the secretary reads back is what they typed (escaped, never interpreted).
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert escape_text(project.title) in page


@SLOW
@given(text_=text, name=text, contact=text)
def test_public_forms_never_500(community, text_, name, contact):
    from django.core.cache import cache

    cache.clear()
    client = Client()
    response = client.post(f"/c/{community.code}/needs/new/", {"content": text_, "name": name, "contact": contact})
    assert response.status_code in (200, 302, 400, 429), response.status_code
    if response.status_code == 302:
        need = Need.objects.order_by("-pk").first()
        assert need.content == text_.strip()
        listing = client.get(f"/c/{community.code}/needs/").content.decode()
        assert escape_text(need.content) in listing


def escape_text(value: str) -> str:
    from django.utils.html import escape

    return escape(value)


XSS = '<b>x</b><script>alert(1)</script>{{ 7|add:1 }}{% now "Y" %}'


@pytest.fixture
def hostile_paid(people, fund_year_with_money, time_machine):
    from tests.projects.helpers import Clock

    clock = Clock(time_machine)
    project = new_project(people, fund_year_with_money, title=XSS, contractor_name=XSS, description=XSS)
    return walk(project, people, Status.PAID, clock)


def test_markup_and_template_syntax_shown_literally(people, hostile_paid):
    project = hostile_paid
    client = Client()
    notice = Notice.objects.filter(project=project, kind=Notice.Kind.PLAN).order_by("pk").last()
    escaped = escape_text(XSS)
    for url in (f"/project/{project.pk}/", f"/notice/{notice.pk}/", f"/c/{project.community.code}/"):
        page = client.get(url).content.decode()
        assert escaped in page, url
        assert "<script>alert(1)" not in page and "<b>x</b>" not in page, url
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert escaped in page and "<script>alert(1)" not in page

    # PDFs: the literal text, not a rendered template.
    for url in (f"/notice/{notice.pk}/pdf/", f"/project/{project.pk}/application-form.pdf"):
        response = client.get(url)
        assert response.status_code == 200, url
        pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        squashed = re.sub(r"\s+", "", pdf_text)
        assert re.sub(r"\s+", "", XSS) in squashed, url

    # The account book spreadsheet: the payment's summary names the project; read back literally.
    client.force_login(people[Role.FINANCE])
    response = client.get(f"/ledger/{project.community.code}/{project.fund_year.year}/book.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    cells = [c.value for ws in workbook for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(XSS in c for c in cells)
