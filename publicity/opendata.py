"""Open data: each community's notices and public projects as CSV and JSON.

The schema below is the contract. Field names and meanings never change within a schema version;
a new field is appended and the version's minor number goes up; a removal or a change of meaning
makes a new major version. The documentation page renders these same tables, so what is
documented is exactly what is produced. Amounts are decimal strings with two places (元), never
floating-point numbers; dates are ISO 8601 (YYYY-MM-DD). In CSV (UTF-8 with BOM) a boolean is
"true"/"false" and "none" is an empty cell; in JSON they are true/false and null. A text cell of
the CSV that a spreadsheet would run as a formula (it starts with = + - @ or a tab/CR) gets a
leading apostrophe; JSON carries the text as it is.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse

from projects.selectors import with_current_amount

from .models import Notice, Objection
from .selectors import public_projects

SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str


NOTICE_FIELDS = [
    Field("id", "integer", "公示编号（本系统内唯一）"),
    Field("community_code", "string", "社区代码"),
    Field("community", "string", "社区名称"),
    Field(
        "kind",
        "string",
        "公示类型代码：plan 项目方案、completion 完成情况、payment 无发票支付、annual 年度经费使用情况",
    ),
    Field("kind_label", "string", "公示类型（中文）"),
    Field("title", "string", "标题"),
    Field("version", "integer", "版本号，从 1 开始；更正后的版本加 1"),
    Field("supersedes_id", "integer|empty", "被本版本更正的上一版本的公示编号"),
    Field("superseded_by_id", "integer|empty", "更正本版本的新版本的公示编号"),
    Field("project_id", "integer|empty", "相关项目编号（年度公示为空）"),
    Field("project_number", "string", "相关项目的项目编号"),
    Field("fund_year", "integer|empty", "经费年度"),
    Field("posted_on", "date", "张贴日期"),
    Field("period_working_days", "integer", "公示期（工作日数）"),
    Field("ends_on", "date", "公示截止日期（当天不计入，自次日起算）"),
    Field("ends_provisional", "boolean", "截止日期是否为暂定（该年度节假日安排尚未公布）：true / false"),
    Field(
        "status", "string", "状态代码：scheduled 待张贴、up 公示中、ended 公示期满、withdrawn 已撤下、superseded 已更正"
    ),
    Field("withdrawn_reason", "string", "撤下原因"),
    Field("objections", "integer", "收到的异议条数"),
    Field("objections_open", "integer", "尚未办结的异议条数"),
    Field("content_hash", "string", "公示内容的 SHA-256 哈希（十六进制）；纸质公示上的校验码为其前 12 位"),
    Field("url", "string", "网上公示页面地址（相对路径）"),
    Field("pdf_url", "string", "纸质公示 PDF 地址（相对路径）"),
]

PROJECT_FIELDS = [
    Field("id", "integer", "项目编号（本系统内唯一）"),
    Field("number", "string", "项目编号（社区-年度-序号）"),
    Field("community_code", "string", "社区代码"),
    Field("fund_year", "integer", "经费年度"),
    Field("title", "string", "项目名称"),
    Field("category", "string", "经费使用范围（《细则》第八条六类之一）"),
    Field("is_small_group", "boolean", "是否受益群体较小的项目（合计不超过年度经费总额 20%）：true / false"),
    Field("status", "string", "办理状态代码"),
    Field("status_label", "string", "办理状态（中文）"),
    Field("budget_total", "decimal", "申请（预算）金额，元"),
    Field("approved_amount", "decimal|empty", "批准（或经同意变更后）金额，元"),
    Field("paid_amount", "decimal|empty", "已支付金额，元"),
    Field("first_posted_on", "date", "首次公示日期"),
    Field("url", "string", "项目公开页面地址（相对路径）"),
]

DATASETS = {"notices": NOTICE_FIELDS, "projects": PROJECT_FIELDS}


def _money(value) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def notice_rows(community, today) -> list[dict]:
    from django.db.models import Count, Q

    notices = (
        Notice.objects.filter(community=community)
        .select_related("project", "fund_year", "superseded_by")
        .annotate(
            n_obj=Count("objections"),
            n_open=Count("objections", filter=Q(objections__state__in=Objection.OPEN_STATES)),
        )
        .order_by("posted_on", "pk")
    )
    rows = []
    for n in notices:
        successor = n.successor
        rows.append(
            {
                "id": n.pk,
                "community_code": community.code,
                "community": community.name,
                "kind": n.kind,
                "kind_label": n.get_kind_display(),
                "title": n.title,
                "version": n.version,
                "supersedes_id": n.supersedes_id or "",
                "superseded_by_id": successor.pk if successor else "",
                "project_id": n.project_id or "",
                "project_number": n.project.number if n.project else "",
                "fund_year": n.fund_year.year if n.fund_year else "",
                "posted_on": n.posted_on.isoformat(),
                "period_working_days": n.period_days,
                "ends_on": n.ends_on.isoformat(),
                "ends_provisional": _bool(n.ends_provisional),
                "status": n.status_on(today),
                "withdrawn_reason": n.withdrawn_reason,
                "objections": n.n_obj,
                "objections_open": n.n_open,
                "content_hash": n.content_hash,
                "url": reverse("publicity:notice_detail", args=[n.pk]),
                "pdf_url": reverse("publicity:notice_pdf", args=[n.pk]),
            }
        )
    return rows


def project_rows(community) -> list[dict]:
    from django.db.models import Min

    first_posted = dict(
        Notice.objects.filter(community=community, project__isnull=False)
        .values("project_id")
        .annotate(first=Min("posted_on"))
        .values_list("project_id", "first")
    )
    projects = (
        with_current_amount(public_projects().filter(community=community))
        .select_related("category", "fund_year", "settlement")
        .order_by("number")
    )
    rows = []
    for p in projects:
        rows.append(
            {
                "id": p.pk,
                "number": p.number,
                "community_code": community.code,
                "fund_year": p.fund_year.year,
                "title": p.title,
                "category": p.category.name if p.category else "",
                "is_small_group": _bool(p.is_small_group),
                "status": p.status,
                "status_label": p.get_status_display(),
                "budget_total": _money(p.budget_sum),
                "approved_amount": _money(p.approved_amount) if p.approved_amount is not None else "",
                "paid_amount": _money(p.settlement.amount) if hasattr(p, "settlement") else "",
                "first_posted_on": first_posted[p.pk].isoformat(),
                "url": reverse("publicity:project_public", args=[p.pk]),
            }
        )
    return rows


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value):
    """A title typed as "=HYPERLINK(…)" must stay text in the reader's spreadsheet (OWASP's
        advice for CSV injection). Only fields of type "string" are touched; amounts and dates are
    never changed (a negative amount would start with "-")."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def as_csv(dataset: str, rows: list[dict]) -> str:
    fields = DATASETS[dataset]
    names = [f.name for f in fields]
    text = [f.name for f in fields if f.type == "string"]
    rows = [{**row, **{name: _csv_text(row[name]) for name in text}} for row in rows]
    buffer = io.StringIO()
    # A byte-order mark so spreadsheet programs read the Chinese as UTF-8.
    buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _json_value(field: Field, value):
    if value == "" and field.type.endswith("|empty"):
        return None
    if field.type == "boolean":
        return value == "true"
    return value


def as_json(dataset: str, community, rows: list[dict]) -> dict:
    """The same rows as the CSV; in JSON a boolean is true/false, an empty value is null, amounts
    stay decimal strings."""
    fields = DATASETS[dataset]
    rows = [{f.name: _json_value(f, row[f.name]) for f in fields} for row in rows]
    return {
        "schema": f"fundadmin.publicity.{dataset}",
        "schema_version": SCHEMA_VERSION,
        "community": {"code": community.code, "name": community.name, "committee": community.committee.name},
        "fields": [f.name for f in DATASETS[dataset]],
        "items": rows,
    }
