"""The facts the integrity indicators read, fetched once for the whole city (Art. 19)."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from fundadmin.models import Community, FundYear, RoleAssignment
from fundadmin.roles import ROLE_SCOPE, ScopeLevel
from fundadmin.workdays import WorkingCalendar
from ledger.selectors import fund_balances_many, small_group_cap
from projects.models import (
    BudgetLine,
    ChangeRequest,
    Document,
    Inspection,
    PlanVersion,
    Project,
    Review,
    Settlement,
    Status,
)
from publicity.models import Objection

from ...models import Opinion
from ..kinds import Kind

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
APPROVAL_DAYS = 5  # Art. 11: the leadership meeting within 5 working days of receiving the form
# Projects that never became a commitment do not count as anyone's business.
NOT_COUNTED = (Status.DRAFT, Status.WITHDRAWN, Status.REJECTED)
# The documents that prove a payment (Art. 13, 17): shown as evidence beside a payment.
PAYMENT_DOCUMENTS = (
    Document.Kind.INVOICE,
    Document.Kind.SIGNATURE_VOUCHER,
    Document.Kind.PAYMENT_DECISION,
    Document.Kind.SIGNED_PROOF,
    Document.Kind.PAYEE_SIGNATURE,
    Document.Kind.ACCEPTANCE_RECORD,
)


def normalized(text: str) -> str:
    """A name as compared: full-width and half-width alike, no spaces, case-folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).casefold()


def phone_numbers(text: str) -> set[str]:
    """The phone numbers in a contact field: runs of at least 7 digits, without a +86/86 prefix."""
    digits = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", text or ""))
    out = set()
    for run in re.findall(r"\d{7,}", digits):
        if len(run) == 13 and run.startswith("86"):
            run = run[2:]
        out.add(run)
    return out


def masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def money(value) -> str:
    return str((value or ZERO).quantize(CENT))


@dataclass
class Candidate:
    """An indicator that fires, before it is stored: the thing it fires for (kind, key), where
    it belongs, the figure measured against its threshold, one sentence, and the evidence."""

    kind: Kind
    key: str
    committee_id: int
    community_id: int | None
    year: int
    value: Decimal
    threshold: Decimal
    summary: str
    evidence: list[dict] = field(default_factory=list)
    project_id: int | None = None


@dataclass
class P:
    """The facts of one project the indicators read."""

    pk: int
    number: str
    title: str
    community_id: int
    committee_id: int
    fund_year_id: int
    year: int
    category_id: int | None
    category: str
    contractor_kind: str
    contractor: str
    contractor_norm: str
    contact: str
    status: str
    amount: Decimal
    approved_amount: Decimal | None
    approved_on: datetime.date | None
    received_on: datetime.date | None
    filed_on: datetime.date
    settlement: dict | None = None

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}"

    def item(self, note: str = "", **extra) -> dict:
        return {
            "type": "project",
            "id": self.pk,
            "label": self.label,
            "amount": money(self.amount),
            "note": note,
            **extra,
        }


class Data:
    """Everything the indicators read, fetched once (one query per line below)."""

    def __init__(self, today: datetime.date):
        self.today = today
        self.calendar = WorkingCalendar()
        self.communities = {c.pk: c for c in Community.objects.select_related("committee")}
        fund_years = list(FundYear.objects.all())
        self.fund_years = {fy.pk: fy for fy in fund_years}
        balances = fund_balances_many(fund_years)
        # Art. 5, 13: the year's fund is the allocation plus the carry-over.
        self.fund = {pk: b.fund for pk, b in balances.items()}
        self.small_group_line = {pk: small_group_cap(b) for pk, b in balances.items()}
        rows = (
            Project.objects.exclude(status__in=NOT_COUNTED)
            .with_budget_total()
            .values_list(
                "pk",
                "number",
                "title",
                "community_id",
                "community__committee_id",
                "fund_year_id",
                "fund_year__year",
                "category_id",
                "category__name",
                "contractor_kind",
                "contractor_name",
                "contractor_contact",
                "status",
                "budget_sum",
                "approved_amount",
                "approved_on",
                "received_on",
                "created_at",
            )
        )
        self.projects: dict[int, P] = {}
        for r in rows:
            budget, approved = (r[13] or ZERO).quantize(CENT), r[14]
            self.projects[r[0]] = P(
                pk=r[0],
                number=r[1],
                title=r[2],
                community_id=r[3],
                committee_id=r[4],
                fund_year_id=r[5],
                year=r[6],
                category_id=r[7],
                category=r[8] or "",
                contractor_kind=r[9],
                contractor=(r[10] or "").strip(),
                contractor_norm=normalized(r[10]),
                contact=r[11] or "",
                status=r[12],
                amount=approved if approved is not None else budget,
                approved_amount=approved,
                approved_on=r[15],
                received_on=r[16],
                filed_on=(r[16] or timezone.localdate(r[17])),
            )
        for s in Settlement.objects.values("pk", "project_id", "amount", "paid_on", "payee"):
            p = self.projects.get(s["project_id"])
            if p is not None:
                p.settlement = s
        self.lines = list(
            BudgetLine.objects.exclude(project__status__in=NOT_COUNTED).values_list(
                "pk", "project_id", "item", "unit", "unit_price", "quantity"
            )
        )
        self.inspections: dict[int, dict] = {}
        for i in (
            Inspection.objects.filter(passed=True)
            .order_by("inspected_on", "pk")
            .values("pk", "project_id", "inspected_on", "respondents", "satisfied")
        ):
            self.inspections[i["project_id"]] = i  # the latest passed inspection is the acceptance
        self.changes: dict[int, list[dict]] = defaultdict(list)
        for c in (
            ChangeRequest.objects.exclude(status=ChangeRequest.Outcome.REFUSED)
            .order_by("requested_at", "pk")
            .values("pk", "project_id", "new_amount", "status", "requested_at", "decided_at", "reason")
        ):
            self.changes[c["project_id"]].append(c)
        self.approved_plan = dict(PlanVersion.objects.filter(number=1).values_list("project_id", "amount"))
        self.refusals = dict(
            Review.objects.filter(
                outcome=Review.Outcome.REJECT, kind__in=(Review.Kind.COMMITTEE, Review.Kind.CONSTRUCTION)
            )
            .order_by("decided_at")
            .values_list("project_id", "decided_at")
        )
        self.rejected = {
            p.pk: p
            for p in Project.objects.filter(status=Status.REJECTED, received_on__isnull=False)
            .with_budget_total()
            .select_related("community", "fund_year")
        }
        self.objections = list(
            Objection.objects.filter(state=Objection.State.UPHELD).values(
                "pk",
                "text",
                "decided_at",
                "remedy",
                "notice_id",
                "notice__title",
                "notice__community_id",
                "notice__community__code",
                "notice__project_id",
                "notice__project__fund_year__year",
            )
        )
        self.opinions = list(
            Opinion.objects.open().values("pk", "community_id", "project_id", "raised_at", "raised_by_name", "text")
        )
        self.role_holders = list(
            RoleAssignment.objects.exclude(
                role__in=[r for r, lvl in ROLE_SCOPE.items() if lvl == ScopeLevel.SYSTEM]
            ).values(
                "user_id",
                "user__full_name",
                "user__username",
                "user__phone",
                "role",
                "community_id",
                "committee_id",
                "valid_from",
                "valid_until",
                "revoked_at",
            )
        )

    def documents_for(self, project_ids: set[int]) -> dict[int, list[dict]]:
        """The current payment documents of the given projects (one query)."""
        out: dict[int, list[dict]] = defaultdict(list)
        if not project_ids:
            return out
        for d in (
            Document.objects.filter(project_id__in=project_ids, kind__in=PAYMENT_DOCUMENTS, superseded_by__isnull=True)
            .order_by("pk")
            .values("pk", "project_id", "kind", "original_name")
        ):
            out[d["project_id"]].append(
                {
                    "type": "document",
                    "id": d["pk"],
                    "project": d["project_id"],
                    "label": f"{Document.Kind(d['kind']).label}：{d['original_name']}",
                }
            )
        return out

    def community_label(self, pk: int) -> str:
        return self.communities[pk].name


def payment_item(p: P, note: str = "") -> dict:
    s = p.settlement
    return {
        "type": "payment",
        "id": s["pk"],
        "project": p.pk,
        "label": f"{p.label} 结算付款（收款方：{s['payee']}）",
        "amount": money(s["amount"]),
        "date": s["paid_on"].isoformat(),
        "note": note,
    }


def share_of(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole).quantize(Decimal("0.0001")) if whole else Decimal("0")


def as_percent(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('0.1'))}%"
