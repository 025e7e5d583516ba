"""What the rules read about a project besides its own row: an explicit object, loaded in bulk.

``load(projects)`` reads, for every project, the kinds of fact the rules of its state's steps
declare (``projects.rules``) — one query per kind for all of them, so the inbox pays the same for
ten projects as for one — and returns one ``Facts`` per project. A rule reads only what it
declared: reading a fact that was not loaded is a programming error, not a silent query. The
rules' answers are kept on the facts, so each is asked once per request; a step that changes the
project throws its facts away (``detach``) and the next question loads them afresh.

django-fsm's conditions see only the project, so the service hands them the same facts through
``attach`` (``projects.machine`` refuses a transition taken without them: steps are taken through
``projects.services``); ``of(project)`` finds them there, or loads them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property

from django.db.models import Count, Q, Sum
from django.utils import timezone

from fundadmin.formats import money
from fundadmin.workdays import Deadline, WorkingCalendar
from ledger.selectors import FundBalances, fund_balances, net_payments, small_group_cap
from publicity.models import Notice, Objection
from publicity.periods import period_end

from . import process
from .machine import FACTS_ATTR
from .models import BudgetLine, ChangeRequest, Document, Project, Review, Signature
from .selectors import small_group_used

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
KINDS = frozenset({"budget", "notices", "documents", "change_requests", "reviews", "signatures", "money", "payment"})


class FactNotLoaded(LookupError):
    """A rule read a fact it did not declare in ``reads``."""


@dataclass(frozen=True)
class Money:
    """The year's money as the approval rules see it (Art. 7(2), 13): the ledger's balances (its
    commitments, payments and carry-over) and what the year's other small-group projects count
    against the cap (their commitments in the ledger, or their budgets before approval)."""

    balances: FundBalances
    small_group_used: Decimal  # by the year's other small-group projects
    cap: Decimal

    def shortfall(self, amount: Decimal, *, replacing: Decimal = ZERO) -> bool | str:
        """True if the year can bear ``amount`` (replacing what the project already holds), else
        the refusal, naming the figure that matters: how much is missing."""
        need = amount - replacing
        b = self.balances
        if need <= b.available:
            return True
        return (
            f"本年度可用经费为 {money(b.available)}（经费总额 {money(b.fund)}，已承诺 {money(b.committed)}，"
            f"已支出 {money(b.spent)}），不足 {money(need - b.available)}。"
        )

    def small_group_problem(self, project, amount: Decimal) -> bool | str:
        if not project.is_small_group or self.small_group_used + amount <= self.cap:
            return True
        headroom = max(self.cap - self.small_group_used, ZERO)
        return (
            f"受益群体较小的项目合计不得超过年度经费总额的20%（上限 {money(self.cap)}，其他此类项目已用 "
            f"{money(self.small_group_used)}，尚余 {money(headroom)}），本项目 {money(amount)}超出上限 "
            f"{money(amount - headroom)}（《细则》第七条）。"
        )


class Facts:
    def __init__(self, project: Project, *, today: datetime.date, calendar: WorkingCalendar):
        self.project = project
        self.today = today
        self.calendar = calendar
        self.loaded: set[str] = set()
        self.answers: dict = {}  # (rule name, user pk) -> reason or None: see projects.rules
        self._rows: dict[str, list] = {}
        self._budget_total: Decimal | None = None
        self._net_paid: Decimal | None = None

    def _get(self, kind: str) -> list:
        if kind not in self.loaded:
            raise FactNotLoaded(f"fact {kind!r} was not loaded for project {self.project.pk}")
        return self._rows.get(kind, [])

    # -- what the rules read ---------------------------------------------------------------------------

    @property
    def budget_total(self) -> Decimal:
        self._get("budget")
        return self._budget_total

    @property
    def net_paid(self) -> Decimal:
        """What the ledger has paid the project, net of reversals (0 once a payment is reversed)."""
        self._get("payment")
        return self._net_paid

    @property
    def notices(self) -> list[Notice]:
        """Every version of every notice of the project, each with ``open_objection_count``."""
        return self._get("notices")

    @property
    def documents(self) -> list[Document]:
        return self._get("documents")

    @property
    def change_requests(self) -> list[ChangeRequest]:
        return self._get("change_requests")

    @property
    def reviews(self) -> list[Review]:
        return self._get("reviews")

    @property
    def signatures(self) -> list[Signature]:
        return self._get("signatures")

    @cached_property
    def document_kinds(self) -> set[str]:
        # Filtered in Python on purpose: with "superseded_by IS NULL" in SQL, SQLite walks the unique
        # index on superseded_by (every current document of the city) instead of the project's few rows.
        return {d.kind for d in self.documents if d.superseded_by_id is None}

    @property
    def pending_change(self) -> ChangeRequest | None:
        return next((c for c in self.change_requests if c.status == ChangeRequest.Outcome.PENDING), None)

    @property
    def signers(self) -> set[int]:
        return {s.signer_id for s in self.signatures}

    @cached_property
    def money(self) -> Money:
        """Read when a rule first asks (two to four queries a project's year, all of the ledger's
        but the budgets of small-group projects not yet approved): a small-group rule on a project
        that is not small-group never does."""
        self._get("money")
        fund_year = self.project.fund_year
        balances = fund_balances(fund_year)
        used = ZERO
        if self.project.is_small_group:
            used = small_group_used(fund_year, exclude_project_id=self.project.pk)
        return Money(balances=balances, small_group_used=used, cap=small_group_cap(balances))

    def latest_notice(self, kind: str) -> Notice | None:
        """The notice of the project's current round: published since the project entered its
        present state. A notice of an earlier round (before a return for revision) ran for a plan
        that no longer stands and never clears the new one (Art. 10)."""
        notices = self.notices
        replaced = {n.supersedes_id for n in notices}  # a corrected notice is not current
        live = [
            n
            for n in notices
            if n.kind == kind
            and n.pk not in replaced
            and n.withdrawn_at is None
            and n.published_at >= self.project.status_changed_at
        ]
        return max(live, key=lambda n: (n.posted_on, n.pk), default=None)

    def notice_end(self, notice: Notice) -> Deadline:
        """The last day of the notice's period (publicity.periods.period_end)."""
        return period_end(
            posted_on=notice.posted_on,
            ends_on=notice.ends_on,
            ends_provisional=notice.ends_provisional,
            period_days=notice.period_days,
            calendar=self.calendar,
        )


# -- loading ----------------------------------------------------------------------------------------


@cache
def reads_in(status: str) -> frozenset[str]:
    """The facts the rules of the steps one can take in ``status`` read."""
    state = process.STATE[status]
    found: set[str] = set()
    for step in state.steps:
        for r in (*step.all_rules, *((step.waits_if,) if step.waits_if else ())):
            found |= r.reads
    return frozenset(found)


def _queries(page: bool) -> dict:
    """Per kind of fact, the rows for a set of projects. ``page``: what the project page shows of
    them joined and in its order, the same rows the rules read."""
    notices = Notice.objects.defer("snapshot").annotate(
        open_objection_count=Count("objections", filter=Q(objections__state__in=Objection.OPEN_STATES))
    )
    documents = Document.objects.all()
    changes = ChangeRequest.objects.all()
    reviews = Review.objects.all()
    signatures = Signature.objects.select_related("invoice")
    if page:
        notices = notices.select_related("superseded_by").order_by("posted_on", "pk")
        documents = documents.select_related("uploaded_by").order_by("kind", "uploaded_at")
        changes = changes.select_related("requested_by", "decided_by", "plan_version")
        reviews = reviews.select_related("decided_by")
        signatures = signatures.select_related("signer", "role_assignment")
    return {
        "notices": (notices, "project_id"),
        "documents": (documents, "project_id"),
        "change_requests": (changes, "project_id"),
        "reviews": (reviews, "project_id"),
        "signatures": (signatures, "invoice__project_id"),
    }


def load(
    projects: Iterable[Project],
    *,
    kinds: Iterable[str] | None = None,
    without: Iterable[str] = (),
    page: bool = False,
    today: datetime.date | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[Facts]:
    """The facts of each project, in order: what its state's rules read (or ``kinds``), less
    ``without`` — the inbox leaves out the year's money, read a query or two a project."""
    projects = list(projects)
    today = today or timezone.localdate()
    calendar = calendar or WorkingCalendar()
    facts = [Facts(p, today=today, calendar=calendar) for p in projects]
    wanted: dict[str, list[Facts]] = defaultdict(list)
    skipped = frozenset(without)
    for f in facts:
        for kind in (frozenset(kinds) if kinds is not None else reads_in(f.project.status)) - skipped:
            wanted[kind].append(f)
    queries = _queries(page)
    for kind, some in wanted.items():
        if kind in queries:
            queryset, key = queries[kind]
            rows = defaultdict(list)
            for row in queryset.filter(**{f"{key}__in": [f.project.pk for f in some]}):
                rows[row.invoice.project_id if kind == "signatures" else row.project_id].append(row)
            for f in some:
                f._rows[kind] = rows.get(f.project.pk, [])
        elif kind == "budget":
            _load_budget(some)
        elif kind == "money":
            pass  # read on first use (Facts.money)
        elif kind == "payment":
            paid = net_payments([f.project.pk for f in some])
            for f in some:
                f._net_paid = paid.get(f.project.pk, ZERO)
        else:
            raise ValueError(kind)
        for f in some:
            f.loaded.add(kind)
    return facts


def _load_budget(facts: list[Facts]) -> None:
    def known(project) -> bool:
        return hasattr(project, "budget_sum") or "budget_lines" in getattr(project, "_prefetched_objects_cache", {})

    missing = {f.project.pk for f in facts if not known(f.project)}
    totals = {}
    if missing:
        totals = dict(
            BudgetLine.objects.filter(project__in=missing)
            .values("project")
            .order_by()
            .annotate(s=Sum("amount"))
            .values_list("project", "s")
        )
    for f in facts:
        if f.project.pk in missing:
            # SQLite's SUM drops trailing zeros; amounts are always shown and compared to the cent.
            f._budget_total = (totals.get(f.project.pk) or ZERO).quantize(CENT)
        else:
            f._budget_total = f.project.budget_total  # annotated, or from the lines the page shows


# -- handing the facts to django-fsm's conditions ------------------------------------------------------


def attach(project: Project, facts: Facts) -> Facts:
    project.__dict__[FACTS_ATTR] = facts
    return facts


def detach(project: Project) -> None:
    project.__dict__.pop(FACTS_ATTR, None)


def of(project: Project) -> Facts:
    """The facts handed to ``project`` by whoever asked about it, else freshly loaded."""
    found = project.__dict__.get(FACTS_ATTR)
    if found is None or not reads_in(project.status) <= found.loaded:
        found = attach(project, load([project])[0])
    return found
