"""The words the process table (``projects.process``) is written in: the names of the states,
stages and documents, and the shapes of a step, a way out of a state, a clock and a state."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.db import models

from . import rules

# -- the states' names ------------------------------------------------------------------------------


class Status(models.TextChoices):
    """Every state a project can be in, with its label for staff (the table below adds the rest)."""

    DRAFT = "draft", "草拟中"
    CONSENT_REQUESTED = "consent_requested", "待党工委初步同意"
    CONSENTED = "consented", "待召开联席会议"
    SHELVED = "shelved", "暂时搁置"
    PUBLICITY = "publicity", "方案公示中"
    SUBMITTED = "submitted", "待审批"
    COMMITTEE_APPROVED = "committee_approved", "党工委已批准，待建管委审批"
    CONSTRUCTION_APPROVED = "construction_approved", "建管委已批准，待党工委审批"
    APPROVED = "approved", "已批准，待实施"
    EXECUTING = "executing", "实施中"
    INSPECTION = "inspection", "待验收"
    ACCEPTED = "accepted", "验收合格，待结算"
    INVOICE_SIGNING_1 = "invoice_signing_1", "发票待社区党委书记签字"
    INVOICE_SIGNING_2 = "invoice_signing_2", "发票待建管委主任签字"
    INVOICE_SIGNING_3 = "invoice_signing_3", "发票待党工委书记签字"
    SIGNED = "signed", "发票已签，待财务结算"
    PAID = "paid", "已结算，待完成公示"
    COMPLETION_NOTICE = "completion_notice", "完成情况公示中"
    CLOSED = "closed", "已完成归档"
    WITHDRAWN = "withdrawn", "已撤回"
    REJECTED = "rejected", "不予批准"


class Stage(models.TextChoices):
    """The stepper on every project page: the six stages of the paper card (提议→申报→公示→审批→
    验收→拨付) with execution and the completion notice in their places."""

    PROPOSAL = "proposal", "提议"
    APPLICATION = "application", "申报"
    PUBLICITY = "publicity", "公示"
    APPROVAL = "approval", "审批"
    EXECUTION = "execution", "实施"
    ACCEPTANCE = "acceptance", "验收"
    PAYMENT = "payment", "拨付"
    COMPLETION = "completion", "完成公示"


STAGE_INDEX = {stage: i for i, stage in enumerate(Stage)}


class DocumentKind(models.TextChoices):
    """What is kept on file (Art. 17); the steps below say which they need."""

    APPLICATION_FORM = "application_form", "申请审批表扫描件"
    MEETING_MINUTES = "meeting_minutes", "会议记录"
    NOTICE_PHOTO = "notice_photo", "公示照片"
    PROGRESS_PHOTO = "progress_photo", "实施进展照片"
    INVOICE = "invoice", "发票"
    SIGNATURE_VOUCHER = "signature_voucher", "签字凭证"
    ACCEPTANCE_RECORD = "acceptance_record", "验收记录"
    PAYMENT_DECISION = "payment_decision", "支付事前会议决定"
    SIGNED_PROOF = "signed_proof", "签字证明"
    PAYEE_SIGNATURE = "payee_signature", "领款人签字凭证"
    OTHER = "other", "其他"


# -- the table's vocabulary --------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """Something a person does to a project."""

    verb: str  # the django-fsm method on Project, and the trail's action (``project.<verb>``)
    label: str  # the one label: button, trail, graph, e-mail
    permission: str  # a codename of fundadmin.roles
    service: str  # the service that takes it (called with project=, by= and the form's data)
    asks: str = "confirm"  # the form: confirm, comment, reason, or a named form (projects.actions.FORMS)
    rules: tuple[rules.Rule, ...] = ()
    documents: tuple[DocumentKind, ...] = ()  # must be on file (checked by a rule built from them)
    outcomes: dict[str, str] = field(default_factory=dict)  # outcome -> how the trail says it
    not_proposer: bool = False  # separation of duties (Art. 11, 13)
    waits: bool = True  # the process waits for it; False: an option one may take
    waits_if: rules.Rule | None = None  # waits only while this holds; an option otherwise
    danger: bool = False
    help: str = ""
    page: bool = True  # taken from the project page; False: from another page (an objection's)
    service_kwargs: dict = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash(self.verb)

    def __eq__(self, other) -> bool:
        return isinstance(other, Step) and other.verb == self.verb

    @cached_property
    def all_rules(self) -> tuple[rules.Rule, ...]:
        return self.rules + ((rules.documents_on_file(self.documents),) if self.documents else ())

    @property
    def action(self) -> str:
        """The trail's name for this step."""
        return f"project.{self.verb}"


@dataclass(frozen=True)
class Go:
    """A step that leaves a state: to one state, or to one per outcome of what it records."""

    step: Step
    to: Status | dict[str, Status]

    def targets(self) -> tuple[Status, ...]:
        return tuple(self.to.values()) if isinstance(self.to, dict) else (self.to,)


@dataclass(frozen=True)
class Within:
    """A deadline for the waiting steps: within ``days`` working days of ``since`` (a date field of
    the project, named in words by ``event``), counted by the Civil Code's rule."""

    days: int
    since: str
    event: str
    article: str


@dataclass(frozen=True)
class NoticeRuns:
    """A notice that must stay up at least ``days`` working days before the next step."""

    kind: str  # publicity.models.Notice.Kind
    days: int
    article: str


@dataclass(frozen=True)
class State:
    status: Status
    stage: Stage | None  # None: ended outside the stages (withdrawn, rejected)
    public: str  # the label residents read ("" where the project is not public)
    clock: Within | NoticeRuns | None = None  # None: the rules set no deadline here
    leaves: tuple[Go, ...] = ()
    records: tuple[Step, ...] = ()  # taken here without leaving the state
    ended: bool = False
    committed: bool = False  # approved and not yet paid: its money is committed (Art. 13)

    @property
    def label(self) -> str:
        return self.status.label

    @property
    def steps(self) -> tuple[Step, ...]:
        """Every step one can take here, leaving or not, in the order of the table."""
        return tuple(go.step for go in self.leaves) + self.records
