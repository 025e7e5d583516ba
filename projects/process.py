"""The process, written once: SPEC.md Art. 9–15 as a table.

Read it top to bottom. First the steps — each with its verb (the django-fsm method on
``Project``), its one label (the same on the button, in the trail, in the graph and in e-mails),
the permission it needs, the rules that must hold first (each with the message shown when it does
not, see ``projects.rules``), the documents it needs, what it asks for and the service that takes
it. Then the states, in the order a project passes through them — each with its stage, its label
for staff (``Status``) and for residents, the clock that runs in it, and the steps that leave it
(``Go``, with the state each leads to) or are taken in it without leaving it (``records``).

Who acts next is the holders of a waiting step's permission (``fundadmin.roles``). All the rest
is derived from this table — the state machine (``projects.machine``), the actions a page offers
(``projects.actions``), the inbox, the stepper, the next-step sentence (``projects.next_step``),
the trail's sentences (``projects.sentences``), the public status, the reminders and
``manage.py graph_transitions projects``. Nothing outside this module names a state or a step by
string. How to add a step: docs/architecture.md.
"""

from __future__ import annotations

from publicity.models import Notice

from . import rules
from .vocabulary import STAGE_INDEX, DocumentKind, Go, NoticeRuns, Stage, State, Status, Step, Within  # noqa: F401

# -- 1. 提议 Proposal (Art. 9) ---------------------------------------------------------------------

REQUEST_CONSENT = Step(
    "request_consent",
    "报请党工委初步同意",
    "act_for_community",
    "projects.services.project_request_consent",
    rules=(
        rules.has_category,
        rules.declaration_confirmed,
        rules.budget_positive,
        rules.small_group_justified,
        rules.small_group_cap,
    ),
    help="提交后由党工委提出初步意见（第十条）。",
)
WITHDRAW = Step(
    "withdraw",
    "撤回项目",
    "act_for_community",
    "projects.services.project_withdraw",
    asks="reason",
    waits=False,
    danger=True,
)

# -- 2. 申报 Application (Art. 10) -----------------------------------------------------------------

CONSENT = Step("consent", "初步同意", "give_consent", "projects.services.project_consent", asks="comment")
RETURN_FOR_REVISION = Step(
    "return_for_revision",
    "退回修改",
    "give_consent",
    "projects.services.project_return_for_revision",
    asks="reason",
    waits=False,
)
RECORD_MEETING = Step(
    "record_meeting",
    "登记联席会议",
    "act_for_community",
    "projects.services.meeting_record",
    asks="meeting",
    rules=(rules.budget_positive,),
    outcomes={"agreed": "联席会议同意，方案张贴公示", "divided": "联席会议意见分歧较大，暂时搁置"},
    help="赞成票超过参会人数一半的，方案即张贴公示（至少3个工作日）；否则暂时搁置，待再次开会取得一致（第十条）。",
)

# -- 3. 公示 Public notice (Art. 10) -----------------------------------------------------------------

SUBMIT_FOR_APPROVAL = Step(
    "submit_for_approval",
    "公示期满无异议，报送党工委审批",
    "act_for_community",
    "projects.services.project_submit_for_approval",
    rules=(rules.plan_notice_cleared, rules.year_open, rules.funds_available, rules.small_group_cap),
    help="党工委收到申请表后5个工作日内召开班子会议审批（第十一条）。",
)
UPHOLD_OBJECTION = Step(
    "uphold_objection",
    "异议成立，退回方案",
    "manage_execution",
    "projects.services.objection_decide",
    asks="objection",  # taken from the objection's page (publicity), never from a project button
    outcomes={"revise": "方案退回修改，修改后重新公示", "shelve": "项目暂时搁置，待再次召开联席会议"},
    waits=False,
    page=False,
)

# -- 4. 审批 Review and approval (Art. 11) -----------------------------------------------------------

_APPROVAL_RULES = (rules.year_open, rules.funds_available, rules.small_group_cap)
APPROVE_FOR_COMMITTEE = Step(
    "approve_for_committee",
    "党工委班子会议批准",
    "approve_for_committee",
    "projects.services.project_approve",
    asks="committee_approval",
    rules=(rules.two_people_approve, *_APPROVAL_RULES),
    not_proposer=True,
    service_kwargs={"body": "committee"},
)
APPROVE_FOR_CONSTRUCTION = Step(
    "approve_for_construction",
    "建管委批准",
    "approve_for_construction",
    "projects.services.project_approve",
    asks="comment",
    rules=(rules.two_people_approve, *_APPROVAL_RULES),
    not_proposer=True,
    service_kwargs={"body": "construction"},
)
RETURN_BY_COMMITTEE = Step(
    "return_by_committee",
    "党工委退回修改",
    "approve_for_committee",
    "projects.services.project_send_back",
    asks="reason",
    not_proposer=True,
    waits=False,
    service_kwargs={"body": "committee"},
)
RETURN_BY_CONSTRUCTION = Step(
    "return_by_construction",
    "建管委退回修改",
    "approve_for_construction",
    "projects.services.project_send_back",
    asks="reason",
    not_proposer=True,
    waits=False,
    service_kwargs={"body": "construction"},
)
REJECT_BY_COMMITTEE = Step(
    "reject_by_committee",
    "党工委不予批准",
    "approve_for_committee",
    "projects.services.project_send_back",
    asks="reason",
    not_proposer=True,
    waits=False,
    danger=True,
    service_kwargs={"body": "committee", "reject": True},
)
REJECT_BY_CONSTRUCTION = Step(
    "reject_by_construction",
    "建管委不予批准",
    "approve_for_construction",
    "projects.services.project_send_back",
    asks="reason",
    not_proposer=True,
    waits=False,
    danger=True,
    service_kwargs={"body": "construction", "reject": True},
)

# -- 5. 实施 Execution and follow-up (Art. 11, 12) ---------------------------------------------------

ASSIGN_FOLLOWUP = Step(
    "assign_followup",
    "指派跟进专人",
    "manage_execution",
    "projects.services.followup_assign",
    asks="followup",
    waits_if=rules.no_followup_yet,
)
START_EXECUTION = Step(
    "start_execution",
    "开始实施",
    "act_for_community",
    "projects.services.project_start_execution",
    rules=(rules.has_followup,),
    help="严格按批准的方案实施；属于政府采购目录的按规定采购（第十二条）。",
)
REQUEST_CHANGE = Step(
    "request_change",
    "申请变更",
    "act_for_community",
    "projects.services.change_request_submit",
    asks="change_request",
    rules=(rules.no_pending_change,),
    waits=False,
    help="因特殊原因需要变更的，须报党工委同意并备案（第十一条）。",
)
DECIDE_CHANGE = Step(
    "decide_change",
    "决定变更申请",
    "manage_execution",
    "projects.services.change_request_decide",
    asks="change_decision",
    rules=(rules.change_pending,),
    outcomes={"consented": "同意变更并备案", "refused": "不同意变更"},
)
RECORD_PROGRESS = Step(
    "record_progress",
    "登记跟进记录",
    "view_committee_records",
    "projects.services.progress_record",
    asks="progress",
    rules=(rules.is_followup_person,),
    waits=False,
)
REQUEST_INSPECTION = Step(
    "request_inspection",
    "项目完成，申请验收",
    "act_for_community",
    "projects.services.project_request_inspection",
    rules=(rules.no_pending_change,),
)

# -- 6. 验收 Acceptance (Art. 12) --------------------------------------------------------------------

INSPECT = Step(
    "inspect",
    "登记验收结果",
    "manage_execution",
    "projects.services.inspection_record",
    asks="inspection",
    outcomes={"passed": "验收合格", "failed": "验收不合格，限期整改"},
    help="党工委对项目质量和群众满意度进行整体验收（第十二条）。",
)

# -- 7. 拨付 Payment (Art. 13) -----------------------------------------------------------------------

SUBMIT_INVOICE = Step(
    "submit_invoice",
    "登记发票，提交会签",
    "act_for_community",
    "projects.services.invoice_submit",
    asks="invoice",
    rules=(rules.invoice_path,),
    documents=(DocumentKind.INVOICE,),
    help="请先在“文件”中上传发票扫描件。发票依次由社区党委书记、建管委主任、党工委书记签字（第十三条）。",
)
SIGN_AS_COMMUNITY_SECRETARY = Step(
    "sign_as_community_secretary",
    "社区党委书记签字",
    "sign_invoice_community",
    "projects.services.invoice_sign",
    asks="signature",
    rules=(rules.signs_once,),
)
SIGN_AS_CONSTRUCTION_DIRECTOR = Step(
    "sign_as_construction_director",
    "建管委主任签字",
    "sign_invoice_construction",
    "projects.services.invoice_sign",
    asks="signature",
    rules=(rules.signs_once,),
    not_proposer=True,
)
SIGN_AS_COMMITTEE_SECRETARY = Step(
    "sign_as_committee_secretary",
    "党工委书记签字",
    "sign_invoice_committee",
    "projects.services.invoice_sign",
    asks="signature",
    rules=(rules.signs_once,),
    not_proposer=True,
)
SETTLE = Step(
    "settle",
    "与承办方结算付款",
    "keep_ledger",
    "projects.services.settlement_record",
    asks="settlement",
    help="由党工委财务人员直接与承办方结算（第十三条）。",
)
SETTLE_WITHOUT_INVOICE = Step(
    "settle_without_invoice",
    "凭领款人签字结算（无发票）",
    "keep_ledger",
    "projects.services.settlement_record",
    asks="settlement",
    rules=(rules.no_invoice_path,),
    documents=(DocumentKind.PAYMENT_DECISION, DocumentKind.SIGNED_PROOF, DocumentKind.PAYEE_SIGNATURE),
    help="事前会议决定、事中签字证明、领款人签字凭证须已上传；付款后自动张贴支付公示（第十三条）。",
)

REPOST_PAYMENT = Step(
    "repost_payment",
    "按原结算重新记账",
    "keep_ledger",
    "projects.services.payment_repost",
    rules=(rules.payment_reversed,),
    help="结算付款的凭证冲销后，按原结算金额重新记入台账，核销项目的已批准指标（第十三条、第十七条）。",
)

# -- 8. 完成公示 Completion notice (Art. 15) ---------------------------------------------------------

START_COMPLETION_NOTICE = Step(
    "start_completion_notice",
    "张贴完成情况公示",
    "act_for_community",
    "projects.services.project_start_completion_notice",
    rules=(rules.payment_standing,),
    help="公示项目完成和经费使用情况3个工作日（第十五条）。",
)
CLOSE = Step(
    "close",
    "公示期满，归档",
    "act_for_community",
    "projects.services.project_close",
    rules=(rules.completion_notice_cleared, rules.payment_standing),
)

# -- the states, in the order a project passes through them -------------------------------------------

_APPROVAL_CLOCK = Within(5, since="received_on", event="党工委收到申请表", article="第十一条")
_CHANGE = (REQUEST_CHANGE, DECIDE_CHANGE)

STATES: tuple[State, ...] = (
    # 1. 提议 (Art. 9)
    State(
        Status.DRAFT,
        Stage.PROPOSAL,
        public="",
        leaves=(Go(REQUEST_CONSENT, Status.CONSENT_REQUESTED), Go(WITHDRAW, Status.WITHDRAWN)),
    ),
    # 2. 申报 (Art. 10): preliminary consent, then the joint meeting
    State(
        Status.CONSENT_REQUESTED,
        Stage.APPLICATION,
        public="申报中",
        leaves=(
            Go(CONSENT, Status.CONSENTED),
            Go(RETURN_FOR_REVISION, Status.DRAFT),
            Go(WITHDRAW, Status.WITHDRAWN),
        ),
    ),
    State(
        Status.CONSENTED,
        Stage.APPLICATION,
        public="申报中",
        leaves=(
            Go(RECORD_MEETING, {"agreed": Status.PUBLICITY, "divided": Status.SHELVED}),
            Go(WITHDRAW, Status.WITHDRAWN),
        ),
    ),
    State(
        Status.SHELVED,
        Stage.APPLICATION,
        public="暂时搁置",
        leaves=(
            Go(RECORD_MEETING, {"agreed": Status.PUBLICITY, "divided": Status.SHELVED}),
            Go(WITHDRAW, Status.WITHDRAWN),
        ),
    ),
    # 3. 公示 (Art. 10): at least 3 working days; an upheld objection sends the plan back
    State(
        Status.PUBLICITY,
        Stage.PUBLICITY,
        public="方案公示中",
        clock=NoticeRuns(Notice.Kind.PLAN, 3, article="第十条"),
        leaves=(
            Go(SUBMIT_FOR_APPROVAL, Status.SUBMITTED),
            Go(UPHOLD_OBJECTION, {"revise": Status.DRAFT, "shelve": Status.SHELVED}),
            Go(WITHDRAW, Status.WITHDRAWN),
        ),
    ),
    # 4. 审批 (Art. 11): both principal leaders, within 5 working days of receiving the form
    State(
        Status.SUBMITTED,
        Stage.APPROVAL,
        public="审批中",
        clock=_APPROVAL_CLOCK,
        leaves=(
            Go(APPROVE_FOR_COMMITTEE, Status.COMMITTEE_APPROVED),
            Go(APPROVE_FOR_CONSTRUCTION, Status.CONSTRUCTION_APPROVED),
            Go(RETURN_BY_COMMITTEE, Status.DRAFT),
            Go(RETURN_BY_CONSTRUCTION, Status.DRAFT),
            Go(REJECT_BY_COMMITTEE, Status.REJECTED),
            Go(REJECT_BY_CONSTRUCTION, Status.REJECTED),
            Go(WITHDRAW, Status.WITHDRAWN),
        ),
    ),
    State(
        Status.COMMITTEE_APPROVED,
        Stage.APPROVAL,
        public="审批中",
        clock=_APPROVAL_CLOCK,
        leaves=(
            Go(APPROVE_FOR_CONSTRUCTION, Status.APPROVED),
            Go(RETURN_BY_CONSTRUCTION, Status.DRAFT),
            Go(REJECT_BY_CONSTRUCTION, Status.REJECTED),
        ),
    ),
    State(
        Status.CONSTRUCTION_APPROVED,
        Stage.APPROVAL,
        public="审批中",
        clock=_APPROVAL_CLOCK,
        leaves=(
            Go(APPROVE_FOR_COMMITTEE, Status.APPROVED),
            Go(RETURN_BY_COMMITTEE, Status.DRAFT),
            Go(REJECT_BY_COMMITTEE, Status.REJECTED),
        ),
    ),
    # 5. 实施 (Art. 11, 12): a follow-up person first; changes consented and filed
    State(
        Status.APPROVED,
        Stage.EXECUTION,
        public="已批准",
        leaves=(Go(START_EXECUTION, Status.EXECUTING),),
        records=(ASSIGN_FOLLOWUP, *_CHANGE),
        committed=True,
    ),
    State(
        Status.EXECUTING,
        Stage.EXECUTION,
        public="实施中",
        leaves=(Go(REQUEST_INSPECTION, Status.INSPECTION),),
        records=(ASSIGN_FOLLOWUP, *_CHANGE, RECORD_PROGRESS),
        committed=True,
    ),
    # 6. 验收 (Art. 12)
    State(
        Status.INSPECTION,
        Stage.ACCEPTANCE,
        public="待验收",
        leaves=(Go(INSPECT, {"passed": Status.ACCEPTED, "failed": Status.EXECUTING}),),
        records=(ASSIGN_FOLLOWUP, RECORD_PROGRESS),
        committed=True,
    ),
    # 7. 拨付 (Art. 13): three signatures in order, then finance pays; or the no-invoice path
    State(
        Status.ACCEPTED,
        Stage.PAYMENT,
        public="验收合格",
        leaves=(Go(SUBMIT_INVOICE, Status.INVOICE_SIGNING_1), Go(SETTLE_WITHOUT_INVOICE, Status.PAID)),
        committed=True,
    ),
    State(
        Status.INVOICE_SIGNING_1,
        Stage.PAYMENT,
        public="结算中",
        leaves=(Go(SIGN_AS_COMMUNITY_SECRETARY, Status.INVOICE_SIGNING_2),),
        committed=True,
    ),
    State(
        Status.INVOICE_SIGNING_2,
        Stage.PAYMENT,
        public="结算中",
        leaves=(Go(SIGN_AS_CONSTRUCTION_DIRECTOR, Status.INVOICE_SIGNING_3),),
        committed=True,
    ),
    State(
        Status.INVOICE_SIGNING_3,
        Stage.PAYMENT,
        public="结算中",
        leaves=(Go(SIGN_AS_COMMITTEE_SECRETARY, Status.SIGNED),),
        committed=True,
    ),
    State(Status.SIGNED, Stage.PAYMENT, public="结算中", leaves=(Go(SETTLE, Status.PAID),), committed=True),
    # 8. 完成公示 (Art. 15): 3 working days
    State(
        Status.PAID,
        Stage.COMPLETION,
        public="已结算",
        leaves=(Go(START_COMPLETION_NOTICE, Status.COMPLETION_NOTICE),),
        records=(REPOST_PAYMENT,),
    ),
    State(
        Status.COMPLETION_NOTICE,
        Stage.COMPLETION,
        public="完成情况公示中",
        clock=NoticeRuns(Notice.Kind.COMPLETION, 3, article="第十五条"),
        leaves=(Go(CLOSE, Status.CLOSED),),
        records=(REPOST_PAYMENT,),
    ),
    # A payment reversed after the file was closed (a refund booked in a later year) is posted
    # again from here too; the project stays closed.
    State(Status.CLOSED, Stage.COMPLETION, public="已完成", ended=True, records=(REPOST_PAYMENT,)),
    State(Status.WITHDRAWN, None, public="已撤回", ended=True),
    State(Status.REJECTED, None, public="不予批准", ended=True),
)

# -- lookups ------------------------------------------------------------------------------------------

STATE: dict[str, State] = {state.status: state for state in STATES}
STEPS: tuple[Step, ...] = tuple(dict.fromkeys(step for state in STATES for step in state.steps))
STEP: dict[str, Step] = {step.verb: step for step in STEPS}

COMMITTED_STATES = tuple(s.status for s in STATES if s.committed)
ENDED_STATES = tuple(s.status for s in STATES if s.ended)
APPROVAL_STATES = tuple(s.status for s in STATES if s.clock is _APPROVAL_CLOCK)
EDITABLE_STATES = (Status.DRAFT,)
# Small-group projects that count against the 20% cap: in flight, approved or spent (Art. 7(2)).
SMALL_GROUP_COUNTED_STATES = tuple(
    s.status for s in STATES if s.status not in (Status.DRAFT, Status.WITHDRAWN, Status.REJECTED)
)
# Paid (Art. 13): the money has left the subject.
PAID_STATES = (Status.PAID, Status.COMPLETION_NOTICE, Status.CLOSED)
# Counted in a year's figures (annual summary, dashboards): all but those ended without money.
COUNTED_STATES = tuple(s.status for s in STATES if s.status not in (Status.WITHDRAWN, Status.REJECTED))

STAGES: tuple[tuple[Stage, tuple[Status, ...]], ...] = tuple(
    (stage, tuple(s.status for s in STATES if s.stage == stage)) for stage in Stage
)


def edges(step: Step) -> list[tuple[Status, Go]]:
    """Where ``step`` leaves from, with the ``Go`` of each state it leaves."""
    return [(state.status, go) for state in STATES for go in state.leaves if go.step == step]


def step_for_action(action: str) -> Step | None:
    """The step a trail action (``project.<verb>``) records, if it is one."""
    prefix, _, verb = action.partition(".")
    return STEP.get(verb) if prefix == "project" else None
