"""The account book, its exports, the committee view and the finance staff's forms. Thin: check
the permission (fundadmin.permissions), validate a form, call a service, redirect."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from audit.models import AuditEvent
from exports.registry import ExportKind
from exports.views import serve as serve_export
from fundadmin.formats import XLSX_DATE, XLSX_MONEY, money
from fundadmin.models import Community, FundYear, WorkingCommittee
from fundadmin.permissions import can_view, can_view_committee, check, require, visible_committees, visible_communities

from . import services
from .forms import AppropriationForm, BookFilterForm, ReversalForm
from .models import FundAccount, JournalEntry, default_subject_code, default_subject_name
from .selectors import account_book, committee_summary, year_figures


def _readable_fund_year(request, community_code: str, year: int) -> FundYear:
    community = get_object_or_404(Community.objects.select_related("committee"), code=community_code)
    verdict = can_view(request.user, community)
    if not verdict:
        raise PermissionDenied(verdict.reason)
    fund_year = get_object_or_404(FundYear, community=community, year=year)
    fund_year.community = community
    return fund_year


def _subject(community: Community) -> tuple[str, str]:
    account = FundAccount.objects.filter(community=community).first()
    if account is None:
        return default_subject_name(), default_subject_code()
    return account.subject_name, account.subject_code


@login_required
def index(request):
    communities = visible_communities(request.user).select_related("committee").prefetch_related("fund_years")
    return render(
        request,
        "ledger/index.html",
        {
            "communities": communities,
            "committees": visible_committees(request.user),
            "year": timezone.localdate().year,
        },
    )


def _book_context(request, fund_year: FundYear) -> dict:
    projects = fund_year.projects.order_by("number")
    filters = BookFilterForm(request.GET or None, projects=projects)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    book = account_book(
        fund_year=fund_year,
        date_from=criteria.get("date_from"),
        date_to=criteria.get("date_to"),
        kind=criteria.get("kind") or None,
        project_id=criteria.get("project"),
    )
    subject_name, subject_code = _subject(fund_year.community)
    return {
        "fund_year": fund_year,
        "community": fund_year.community,
        "book": book,
        "filters": filters,
        "subject_name": subject_name,
        "subject_code": subject_code,
        "query": request.GET.urlencode(),
    }


@login_required
def book(request, community: str, year: int):
    fund_year = _readable_fund_year(request, community, year)
    context = _book_context(request, fund_year)
    figures = year_figures(fund_year)
    keeps_ledger = bool(check(request.user, "keep_ledger", fund_year.community))
    context.update(
        balances=figures.balances,
        commitments=figures.commitments,
        open_commitments=[line for line in figures.commitments if line.held],
        small_group=figures.small_group,
        keeps_ledger=keeps_ledger,
        can_close=keeps_ledger and not fund_year.is_closed and timezone.localdate().year > fund_year.year,
    )
    return render(request, "ledger/book.html", context)


XLSX_HEADERS = ["日期", "凭证号", "摘要", "类型", "借方（元）", "贷方（元）", "方向", "余额（元）", "项目", "原始凭证"]


@login_required
def book_xlsx(request, community: str, year: int):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    fund_year = _readable_fund_year(request, community, year)
    context = _book_context(request, fund_year)
    book = context["book"]
    wb = Workbook()
    ws = wb.active
    ws.title = f"{fund_year.year}年明细账"
    ws.append([f"{fund_year.community.name} {context['subject_code']} {context['subject_name']} 明细账"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(
        [f"{fund_year.year}年度", "", "", "", "", "", "", "", "", f"导出时间 {timezone.localtime():%Y-%m-%d %H:%M}"]
    )
    ws.append(XLSX_HEADERS)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    if book.filtered and book.opening:
        ws.append(["", "", "期初余额", "", None, None, "贷", book.opening])
    for line in book.lines:
        e = line.entry
        ws.append(
            [
                e.entry_date,
                e.voucher_label,
                e.summary,
                e.get_kind_display(),
                e.debit or None,
                e.credit or None,
                "贷" if line.balance > 0 else "平" if line.balance == 0 else "借",
                line.balance,
                str(e.project) if e.project else "",
                "；".join(v.get_kind_display() + " " + v.original_name for v in e.vouchers.all()),
            ]
        )
    ws.append(["", "", "合计", "", book.total_debit, book.total_credit, "", book.closing])
    for row in ws.iter_rows(min_row=4):
        row[0].number_format = XLSX_DATE
        for cell in (row[4], row[5], row[7]):
            cell.number_format = XLSX_MONEY
            cell.alignment = Alignment(horizontal="right")
    for column, width in zip("ABCDEFGHIJ", (12, 11, 40, 12, 14, 14, 6, 14, 30, 30), strict=True):
        ws.column_dimensions[column].width = width
    for row in ws.iter_rows():
        for cell in row:
            # The book holds no formulas: openpyxl takes any text starting with "=" for one, so a
            # summary typed as "=HYPERLINK(…)" would run in the reader's spreadsheet. Keep it text.
            if cell.data_type == "f":
                cell.data_type = "s"
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="ledger-{fund_year.community.code}-{fund_year.year}.xlsx"'
    return response


# -- the account book as PDF, rendered by the background worker (exports) ----------------------------
# Measured at 1.8 s of CPU for a year of 300 journal entries (10 A4 pages): too long for a request.

BOOK_TEMPLATE = Path(__file__).parent / "templates" / "ledger" / "book_pdf.html"
BOOK_FILTERS = ("date_from", "date_to", "kind", "project")


@dataclass(frozen=True)
class BookPdf:
    """One fund year's book with the filters the page had (they are part of the file's identity)."""

    fund_year: FundYear
    query: str

    @property
    def key(self) -> str:
        return f"{self.fund_year.pk}?{self.query}"


def book_pdf_for(fund_year: FundYear, params) -> BookPdf:
    return BookPdf(fund_year, urlencode(sorted((k, params[k]) for k in BOOK_FILTERS if params.get(k))))


def _book_pdf_load(key: str) -> BookPdf:
    pk, _, query = key.partition("?")
    return BookPdf(FundYear.objects.select_related("community__committee").get(pk=int(pk)), query)


def _book_pdf_fingerprint(book: BookPdf) -> str:
    """The book shows the year's journal (append-only: its count and newest row say it all) and
    the subject and allocation, each changed with a ledger./fund_year. event of the community."""
    fund_year = book.fund_year
    entries = JournalEntry.objects.filter(fund_year=fund_year).aggregate(n=Count("pk"), last=Max("pk"))
    settings_seq = (
        AuditEvent.objects.filter(community=fund_year.community_id)
        .filter(Q(action__startswith="ledger.") | Q(action__startswith="fund_year."))
        .aggregate(last=Max("seq"))["last"]
    )
    digest = hashlib.sha256(BOOK_TEMPLATE.read_bytes())
    digest.update(f"{book.key}:{entries['n']}:{entries['last']}:{settings_seq}".encode())
    return digest.hexdigest()


def _book_pdf_render(book: BookPdf, progress) -> bytes:
    from weasyprint import HTML

    progress(10, "读取台账")
    context = _book_context(SimpleNamespace(GET=QueryDict(book.query)), book.fund_year)
    context["printed_at"] = timezone.localtime()
    html = render_to_string("ledger/book_pdf.html", context)
    progress(30, "排版")
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
    progress(80, f"写出 PDF（共 {len(document.pages)} 页）")
    return document.write_pdf()


BOOK_PDF = ExportKind(
    name="account_book",
    label="经费台账（PDF）",
    load=_book_pdf_load,
    fingerprint=_book_pdf_fingerprint,
    render=_book_pdf_render,
    filename=lambda book: f"ledger-{book.fund_year.community.code}-{book.fund_year.year}.pdf",
)


@login_required
@require_http_methods(["GET", "POST"])
def book_pdf(request, community: str, year: int):
    fund_year = _readable_fund_year(request, community, year)
    book = book_pdf_for(fund_year, request.GET)
    back = reverse("ledger:book", kwargs={"community": community, "year": year})
    return serve_export(request, kind=BOOK_PDF.name, key=book.key, obj=book, back=back, inline=False)


@login_required
@require_http_methods(["GET", "POST"])
def appropriation_new(request, community: str, year: int):
    fund_year = _readable_fund_year(request, community, year)
    require(request.user, "keep_ledger", fund_year.community)
    form = AppropriationForm(request.POST or None, fund_year=fund_year)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.appropriation_record(fund_year=fund_year, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"已登记拨款 {money(entry.credit)}（凭证 {entry.voucher_label}）。")
            return redirect("ledger:book", community=community, year=year)
    return render(request, "ledger/appropriation_form.html", {"form": form, "fund_year": fund_year})


@login_required
@require_http_methods(["GET", "POST"])
def entry_reverse(request, pk: int):
    entry = get_object_or_404(JournalEntry.objects.select_related("fund_year__community", "account", "project"), pk=pk)
    require(request.user, "keep_ledger", entry.fund_year.community)
    form = ReversalForm(request.POST or None, entry=entry)
    if request.method == "POST" and form.is_valid():
        try:
            reversal = services.entry_reverse(
                entry=entry,
                reason=form.cleaned_data["reason"],
                entry_date=form.cleaned_data["entry_date"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"已冲销凭证 {entry.voucher_label}（冲销凭证 {reversal.voucher_label}）。")
            return redirect("ledger:book", community=reversal.fund_year.community.code, year=reversal.fund_year.year)
    return render(request, "ledger/reversal_form.html", {"form": form, "entry": entry})


@login_required
@require_POST
def fund_year_close(request, community: str, year: int):
    fund_year = _readable_fund_year(request, community, year)
    require(request.user, "keep_ledger", fund_year.community)
    try:
        result = services.fund_year_close(fund_year=fund_year, by=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect("ledger:book", community=community, year=year)
    messages.success(request, result.message)
    return redirect("ledger:book", community=community, year=result.next_year.year)


@login_required
def committee(request, committee: str, year: int):
    body = get_object_or_404(WorkingCommittee, code=committee)
    verdict = can_view_committee(request.user, body)
    if not verdict:
        raise PermissionDenied(verdict.reason)
    summary = committee_summary(committee=body, year=year)
    return render(request, "ledger/committee.html", {"summary": summary, "committee": body, "year": year})
