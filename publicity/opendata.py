"""Open data: the notices and public projects of a community, or of the whole city, as CSV, JSON
and JSON lines, and one ZIP archive per fund year — all streamed.

The schema below is the contract. Field names and meanings never change within a schema version;
a new field is appended and the version's minor number goes up; a removal or a change of meaning
makes a new major version. The documentation page renders these same tables, so what is
documented is exactly what is produced. Amounts are decimal strings with two places (元), never
floating-point numbers; dates are ISO 8601 (YYYY-MM-DD). In CSV (UTF-8 with BOM) a boolean is
"true"/"false" and "none" is an empty cell; in JSON they are true/false and null. A text cell of
the CSV that a spreadsheet would run as a formula (it starts with = + - @ or a tab/CR) gets a
leading apostrophe; JSON carries the text as it is.

Constant memory, whatever the city's size: rows are read ``CHUNK_ROWS`` at a time
(``QuerySet.iterator``, a server-side cursor on PostgreSQL), as tuples of the few columns a row
needs, each written as it comes and handed to the response in pieces of about
``CHUNK_BYTES``; nothing collects the rows of a file. Counts and sums are correlated subqueries
rather than a GROUP BY over the whole city, so the database, too, returns rows as it finds them.
"""

from __future__ import annotations

import csv
import json
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from projects.models import BudgetLine, Status

from .models import Notice, Objection
from .selectors import public_projects

SCHEMA_VERSION = "1.0"
# Rows fetched per round trip, and the size of the pieces a response is written in.
CHUNK_ROWS = 500
CHUNK_BYTES = 64 * 1024


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


DATASETS = {"notices": NOTICE_FIELDS, "projects": PROJECT_FIELDS}
TEXT_FIELDS = {name: frozenset(f.name for f in fields if f.type == "string") for name, fields in DATASETS.items()}
STATUS_LABELS = dict(Status.choices)
KIND_LABELS = dict(Notice.Kind.choices)
ZERO = Decimal("0.00")


def _money(value) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _or_empty(value):
    return "" if value is None else value


def _url_of(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` for many rows: resolved once, then filled in."""
    marker = 987654321
    head, tail = reverse(name, args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def _count(queryset, column: str):
    """A correlated count (never NULL): no GROUP BY over the outer rows."""
    grouped = queryset.order_by().values(column).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(grouped, output_field=IntegerField()), Value(0))


# -- rows ---------------------------------------------------------------------------------------------

NOTICE_COLUMNS = (
    "pk",
    "community__code",
    "community__name",
    "kind",
    "title",
    "version",
    "supersedes_id",
    "superseded_by__id",
    "project_id",
    "project__number",
    "fund_year__year",
    "posted_on",
    "period_days",
    "ends_on",
    "ends_provisional",
    "withdrawn_at",
    "withdrawn_reason",
    "n_obj",
    "n_open",
    "content_hash",
)


def notice_rows(today, *, community=None, year: int | None = None) -> Iterator[dict]:
    """Every notice of ``community`` (or of the city; of fund year ``year``), oldest first within
    each community, every version of a corrected notice on its own row."""
    notices = Notice.objects.all()
    if community is not None:
        notices = notices.filter(community=community)
    if year is not None:
        notices = notices.filter(fund_year__year=year)
    objections = Objection.objects.filter(notice=OuterRef("pk"))
    notices = (
        notices.annotate(
            n_obj=_count(objections, "notice"),
            n_open=_count(objections.filter(state__in=Objection.OPEN_STATES), "notice"),
        )
        .order_by("community_id", "posted_on", "pk")
        .values_list(*NOTICE_COLUMNS)
    )
    return _notice_dicts(notices, today, _url_of("publicity:notice_detail"), _url_of("publicity:notice_pdf"))


def _notice_dicts(notices, today, page_url, pdf_url) -> Iterator[dict]:
    for (
        pk,
        community_code,
        community_name,
        kind,
        title,
        version,
        supersedes_id,
        successor_id,
        project_id,
        project_number,
        fund_year,
        posted_on,
        period_days,
        ends_on,
        ends_provisional,
        withdrawn_at,
        withdrawn_reason,
        n_obj,
        n_open,
        content_hash,
    ) in notices.iterator(chunk_size=CHUNK_ROWS):
        status = Notice.status_of(
            withdrawn=withdrawn_at is not None,
            superseded=successor_id is not None,
            posted_on=posted_on,
            ends_on=ends_on,
            day=today,
        )
        yield {
            "id": pk,
            "community_code": community_code,
            "community": community_name,
            "kind": kind,
            "kind_label": KIND_LABELS.get(kind, kind),
            "title": title,
            "version": version,
            "supersedes_id": _or_empty(supersedes_id),
            "superseded_by_id": _or_empty(successor_id),
            "project_id": _or_empty(project_id),
            "project_number": project_number or "",
            "fund_year": _or_empty(fund_year),
            "posted_on": posted_on.isoformat(),
            "period_working_days": period_days,
            "ends_on": ends_on.isoformat(),
            "ends_provisional": _bool(ends_provisional),
            "status": status,
            "withdrawn_reason": withdrawn_reason,
            "objections": n_obj,
            "objections_open": n_open,
            "content_hash": content_hash,
            "url": page_url(pk),
            "pdf_url": pdf_url(pk),
        }


PROJECT_COLUMNS = (
    "pk",
    "number",
    "community__code",
    "fund_year__year",
    "title",
    "category__name",
    "is_small_group",
    "status",
    "budget_sum",
    "approved_amount",
    "settlement__amount",
    "first_posted_on",
)


def project_rows(*, community=None, year: int | None = None) -> Iterator[dict]:
    """Every project that has had a public notice, of ``community`` (or of the city; of fund year
    ``year``), by project number."""
    projects = public_projects()
    if community is not None:
        projects = projects.filter(community=community)
    if year is not None:
        projects = projects.filter(fund_year__year=year)
    lines = BudgetLine.objects.filter(project=OuterRef("pk")).order_by().values("project")
    first_notice = Notice.objects.filter(project=OuterRef("pk")).order_by("posted_on").values("posted_on")[:1]
    money = DecimalField(max_digits=14, decimal_places=2)
    projects = (
        projects.annotate(
            budget_sum=Coalesce(Subquery(lines.annotate(s=Sum("amount")).values("s"), output_field=money), ZERO),
            first_posted_on=Subquery(first_notice),
        )
        .order_by("number", "pk")
        .values_list(*PROJECT_COLUMNS)
    )
    return _project_dicts(projects, _url_of("publicity:project_public"))


def _project_dicts(projects, page_url) -> Iterator[dict]:
    for (
        pk,
        number,
        community_code,
        fund_year,
        title,
        category,
        is_small_group,
        status,
        budget_sum,
        approved_amount,
        paid_amount,
        first_posted_on,
    ) in projects.iterator(chunk_size=CHUNK_ROWS):
        yield {
            "id": pk,
            "number": number,
            "community_code": community_code,
            "fund_year": fund_year,
            "title": title,
            "category": category or "",
            "is_small_group": _bool(is_small_group),
            "status": status,
            "status_label": STATUS_LABELS.get(status, status),
            "budget_total": _money(budget_sum),
            "approved_amount": _money(approved_amount) if approved_amount is not None else "",
            "paid_amount": _money(paid_amount) if paid_amount is not None else "",
            "first_posted_on": first_posted_on.isoformat(),
            "url": page_url(pk),
        }


def rows(dataset: str, today, *, community=None, year: int | None = None) -> Iterator[dict]:
    if dataset == "notices":
        return notice_rows(today, community=community, year=year)
    return project_rows(community=community, year=year)


# -- formats ------------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value):
    """A title typed as "=HYPERLINK(…)" must stay text in the reader's spreadsheet (OWASP's
        advice for CSV injection). Only fields of type "string" are touched; amounts and dates are
    never changed (a negative amount would start with "-")."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


class _Line:
    """csv.writer's file: ``writerow`` returns the line instead of keeping it."""

    def write(self, text: str) -> str:
        return text


def as_csv(dataset: str, rows: Iterable[dict]) -> Iterator[str]:
    """The CSV, line by line: a byte-order mark (so spreadsheet programs read the Chinese as
    UTF-8), the header, one line per row."""
    names = [f.name for f in DATASETS[dataset]]
    text = TEXT_FIELDS[dataset]
    writer = csv.writer(_Line(), lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(names)
    for row in rows:
        yield writer.writerow([_csv_text(row[name]) if name in text else row[name] for name in names])


def _json_value(field: Field, value):
    if value == "" and field.type.endswith("|empty"):
        return None
    if field.type == "boolean":
        return value == "true"
    return value


def _json_item(fields: list[Field], row: dict) -> dict:
    return {f.name: _json_value(f, row[f.name]) for f in fields}


def as_json(dataset: str, community, rows: Iterable[dict]) -> Iterator[str]:
    """The same rows as the CSV, in one JSON document ``{"schema", "schema_version", "community",
    "fields", "items": [...]}``, written item by item. In JSON a boolean is true/false, an empty
    value is null, amounts stay decimal strings."""
    fields = DATASETS[dataset]
    head = json.dumps(
        {
            "schema": f"fundadmin.publicity.{dataset}",
            "schema_version": SCHEMA_VERSION,
            "community": {"code": community.code, "name": community.name, "committee": community.committee.name},
            "fields": [f.name for f in fields],
        },
        ensure_ascii=False,
        indent=1,
    )
    yield head[: -len("\n}")] + ',\n "items": ['
    separator = "\n  "
    for row in rows:
        yield separator + json.dumps(_json_item(fields, row), ensure_ascii=False)
        separator = ",\n  "
    yield "\n ]\n}\n"


def as_json_lines(dataset: str, rows: Iterable[dict]) -> Iterator[str]:
    """JSON lines (https://jsonlines.org): one JSON object per row and line, typed as in JSON, for
    files too large to be read as one document."""
    fields = DATASETS[dataset]
    for row in rows:
        yield json.dumps(_json_item(fields, row), ensure_ascii=False) + "\n"


def encoded(pieces: Iterable[str]) -> Iterator[bytes]:
    """UTF-8 in pieces of about CHUNK_BYTES: one write per row would be one system call per row;
    one write per file would hold the file."""
    size = CHUNK_BYTES
    buffer: list[bytes] = []
    length = 0
    for piece in pieces:
        data = piece.encode()
        buffer.append(data)
        length += len(data)
        if length >= size:
            yield b"".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield b"".join(buffer)


def schema_document() -> dict:
    """The schema as data: what the documentation page shows, for programs."""
    return {
        "schema_version": SCHEMA_VERSION,
        "datasets": {
            name: {
                "schema": f"fundadmin.publicity.{name}",
                "fields": [{"name": f.name, "type": f.type, "description": f.description} for f in fields],
            }
            for name, fields in DATASETS.items()
        },
    }


# -- the archive of a fund year -----------------------------------------------------------------------


class _Sink:
    """Where the ZIP writer writes: taken away piece by piece. It has no ``tell``/``seek``, so
    zipfile writes each member's sizes and CRC after its data (a data descriptor) instead of
    going back to its header: a ZIP can be written front to back."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts, self.size = [], 0
        return data


def archive_members(year: int, today) -> list[tuple[str, Callable[[], Iterator[str]]]]:
    """The files of a fund year's archive, each produced only when it is written."""
    members: list[tuple[str, Callable[[], Iterator[str]]]] = [
        ("schema.json", lambda: iter([json.dumps(schema_document(), ensure_ascii=False, indent=1) + "\n"]))
    ]
    for dataset in DATASETS:
        members.append(
            (
                f"{dataset}-{year}.csv",
                lambda d=dataset: as_csv(d, rows(d, today, year=year)),
            )
        )
        members.append(
            (
                f"{dataset}-{year}.jsonl",
                lambda d=dataset: as_json_lines(d, rows(d, today, year=year)),
            )
        )
    return members


def year_archive(year: int, today) -> Iterator[bytes]:
    """One fund year of the whole city as a ZIP, written while it is sent.

    Python's own zipfile writes to a stream it cannot seek since 3.5 (each member's sizes follow
    its data), so no library is needed and the archive is never held, in memory or on disk; each
    member stays far below ZIP's 4 GiB limit (a city's year is a few megabytes), so no ZIP64."""
    sink = _Sink()
    stamp = time.localtime()[:6]
    with zipfile.ZipFile(sink, "w") as archive:
        for name, produce in archive_members(year, today):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as member:
                for chunk in encoded(produce()):
                    member.write(chunk)
                    if sink.size >= CHUNK_BYTES:
                        yield sink.take()
    yield sink.take()
