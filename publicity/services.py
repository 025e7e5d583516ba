"""Writes of the publicity app: notices (published, corrected, withdrawn, photographed),
objections, residents' needs and the annual summary. Each runs in one transaction and appends
one event to the trail. ``notice_publish_for_project`` and ``project_snapshot`` are called by the
workflow's services inside their own transaction."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from audit.checkpoints import CheckpointError, checkpoint_make
from audit.context import client_address as current_client_address
from audit.models import Checkpoint
from audit.services import event_record
from fundadmin.models import Community, FundYear
from fundadmin.permissions import require
from fundadmin.text import optional_text, required_text
from fundadmin.uploads import PHOTOS, inspect_upload
from fundadmin.workdays import WorkingCalendar

from .models import Need, Notice, Objection
from .periods import need_reply_deadline, objection_reply_deadline


def _money(value) -> str:
    # Always two places (元): SQLite's SUM returns Decimal("6000"), PostgreSQL's Decimal("6000.00").
    return str(Decimal(value).quantize(Decimal("0.01")))


def project_snapshot(project, kind: str) -> dict:
    """What the notice shows, frozen: the project as it stands at publication."""
    lines = [
        {
            "item": line.item,
            "quantity": str(line.quantity),
            "unit": line.unit,
            "unit_price": _money(line.unit_price),
            "amount": _money(line.amount),
        }
        for line in project.budget_lines.all()
    ]
    data = {
        "community": project.community.name,
        "applicant": project.community.applicant_name,
        "number": project.number,
        "title": project.title,
        "category": project.category.name if project.category else "",
        "description": project.description,
        "spending_plan": project.spending_plan,
        "beneficiaries": project.beneficiaries,
        "beneficiary_count": project.beneficiary_count,
        "is_small_group": project.is_small_group,
        "contractor": project.contractor_name,
        "budget_lines": lines,
        "amount": _money(project.current_amount),
        "planned_start": project.planned_start,
        "planned_end": project.planned_end,
    }
    if kind in (Notice.Kind.COMPLETION, Notice.Kind.PAYMENT) and hasattr(project, "settlement"):
        data["paid_amount"] = _money(project.settlement.amount)
        data["paid_on"] = project.settlement.paid_on
        data["payee"] = project.settlement.payee
    inspection = project.inspections.filter(passed=True).last()
    if kind == Notice.Kind.COMPLETION and inspection is not None:
        data["inspection"] = {
            "date": inspection.inspected_on,
            "quality": inspection.get_quality_grade_display(),
            "satisfaction_percent": str(inspection.satisfaction_percent),
        }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False))


TITLES = {
    Notice.Kind.PLAN: "关于“{title}”项目实施方案的公示",
    Notice.Kind.COMPLETION: "关于“{title}”项目完成情况的公示",
    Notice.Kind.PAYMENT: "关于“{title}”项目资金支付情况的公示",
}


def notice_publish_for_project(
    *, project, kind: str, by, posted_on: datetime.date | None = None, calendar: WorkingCalendar | None = None
) -> Notice:
    """Freeze the project into a notice posted today for its minimum period in working days."""
    posted_on = posted_on or timezone.localdate()
    notice = _notice_create(
        kind=kind,
        title=TITLES[kind].format(title=project.title),
        snapshot=project_snapshot(project, kind),
        by=by,
        posted_on=posted_on,
        calendar=calendar or WorkingCalendar(),
        community=project.community,
        project=project,
        fund_year=project.fund_year,
    )
    event_record(
        action="notice.publish",
        obj=notice,
        actor=by,
        project_id=project.pk,
        changes={"kind": kind, "posted_on": posted_on, "ends_on": notice.ends_on, "content_hash": notice.content_hash},
    )
    _checkpoint(notice)
    return notice


# -- helpers ----------------------------------------------------------------------------------------


def _checkpoint(notice: Notice) -> None:
    """The signed audit checkpoint printed on this notice and shown on the board (issue 15): made
    right after the publication's own event, in its transaction, so it covers the publication."""
    try:
        checkpoint = checkpoint_make(reason=Checkpoint.Reason.NOTICE)
    except CheckpointError as error:
        # No notice goes up without the line residents can check; nothing is published.
        raise ValidationError(f"公示未能发布：{error}请联系系统管理员。", code="checkpoint_unavailable") from error
    notice.checkpoint_seq, notice.checkpoint_hash = checkpoint.seq, checkpoint.hash
    notice.save(update_fields=["checkpoint_seq", "checkpoint_hash"])


def _locked_notice(notice: Notice) -> Notice:
    # Two staff members may correct or withdraw the same notice at once: the second one waits
    # here and then sees the first one's result (superseded or withdrawn) and is refused.
    return (
        Notice.objects.select_for_update(of=("self",))
        .select_related("community__committee", "project")
        .get(pk=notice.pk)
    )


def _notice_create(
    *, kind: str, title: str, snapshot: dict, by, posted_on: datetime.date, calendar: WorkingCalendar, **links
) -> Notice:
    """The one place a notice is created: frozen content, its hash, and a period of the kind's
    minimum length in working days from the day after posting (Art. 10, 13, 15)."""
    period = Notice.PERIOD_DAYS[kind]
    deadline = calendar.add_working_days(posted_on, period)
    return Notice.objects.create(
        kind=kind,
        title=title,
        snapshot=snapshot,
        content_hash=Notice.hash_snapshot(title, snapshot),
        published_by=by,
        posted_on=posted_on,
        period_days=period,
        ends_on=deadline.date,
        ends_provisional=deadline.provisional,
        **links,
    )


# -- corrections, withdrawal, the board photo -------------------------------------------------------

# What a correction may change in a notice's snapshot: the words, never the figures. Figures come
# from the approved record; a wrong figure means the record is wrong and takes the workflow's path.
CORRECTABLE_FIELDS = {
    "description": "项目内容",
    "spending_plan": "经费使用方案",
    "beneficiaries": "受益对象",
    "contractor": "承办方",
    "remarks": "说明",
}


def notice_correct(
    *,
    notice: Notice,
    by,
    note: str,
    title: str | None = None,
    fields: dict | None = None,
    posted_on: datetime.date | None = None,
    calendar: WorkingCalendar | None = None,
) -> Notice:
    """Publish a correction: a new version that says what changed (``note``) and runs its own full
    period from the day it is posted, so residents get the whole period to read what is actually
    proposed (Art. 10, 15). The old version stays readable and points to the new one."""
    calendar = calendar or WorkingCalendar()
    note = required_text(note, "更正说明（改了什么、为什么改）", 1000)
    today = timezone.localdate()
    posted_on = posted_on or today
    with transaction.atomic():
        old = _locked_notice(notice)
        require(by, "act_for_community", old.community)
        if not old.is_current:
            raise ValidationError("该公示已有更正版本，请在最新版本上更正。", code="superseded")
        if old.withdrawn_at is not None:
            raise ValidationError("已撤下的公示不能更正。", code="withdrawn")
        if old.status_on(today) == "ended":
            raise ValidationError("公示期已满，不能再更正。", code="ended")
        snapshot = dict(old.snapshot)
        for key, value in (fields or {}).items():
            if key not in CORRECTABLE_FIELDS:
                raise ValidationError(f"公示中的“{key}”不能通过更正修改。", code="not_correctable")
            snapshot[key] = optional_text(value, CORRECTABLE_FIELDS[key], 4000)
        new_title = required_text(title, "标题", 200) if title is not None else old.title
        content_hash = Notice.hash_snapshot(new_title, snapshot)
        if content_hash == old.content_hash:
            raise ValidationError("更正后的内容与原公示相同，没有需要更正的地方。", code="unchanged")
        new = _notice_create(
            kind=old.kind,
            title=new_title,
            snapshot=snapshot,
            by=by,
            posted_on=posted_on,
            calendar=calendar,
            community=old.community,
            project=old.project,
            fund_year=old.fund_year,
            version=old.version + 1,
            supersedes=old,
            correction_note=note,
        )
        event_record(
            action="notice.correct",
            obj=new,
            actor=by,
            reason=note,
            project_id=old.project_id,
            changes={
                "supersedes": old.pk,
                "version": new.version,
                "fields": [label for label, _, _ in snapshot_changes(old, new)],
                "content_hash": {"before": old.content_hash, "after": content_hash},
                "ends_on": new.ends_on,
            },
        )
        _checkpoint(new)
    return new


def snapshot_changes(old: Notice, new: Notice) -> list[tuple[str, str, str]]:
    """(label, before, after) for every shown field that differs between two versions."""
    changes = []
    if old.title != new.title:
        changes.append(("标题", old.title, new.title))
    keys = list(dict.fromkeys([*old.snapshot.keys(), *new.snapshot.keys()]))
    for key in keys:
        before, after = old.snapshot.get(key), new.snapshot.get(key)
        if before != after:
            label = CORRECTABLE_FIELDS.get(key, key)
            changes.append((label, _plain(before), _plain(after)))
    return changes


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def notice_withdraw(*, notice: Notice, by, reason: str) -> Notice:
    """Take a notice down, with the reason shown in its place. A withdrawn plan notice no longer
    counts: the project cannot leave 公示 until a notice is posted again and runs its period."""
    reason = required_text(reason, "撤下原因", 500)
    with transaction.atomic():
        notice = _locked_notice(notice)
        require(by, "act_for_community", notice.community)
        _withdraw(notice, by, reason)
    return notice


def _withdraw(notice: Notice, by, reason: str) -> None:
    if notice.withdrawn_at is not None:
        raise ValidationError("该公示已撤下。", code="withdrawn")
    if not notice.is_current:
        raise ValidationError("该公示已有更正版本，请处理最新版本。", code="superseded")
    notice.withdrawn_at, notice.withdrawn_by, notice.withdrawn_reason = timezone.now(), by, reason
    notice.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    event_record(action="notice.withdraw", obj=notice, actor=by, reason=reason, project_id=notice.project_id)


def plan_notices_take_down(*, project, by, reason: str) -> None:
    """Take down the plan notices still up for a plan that no longer stands (an upheld objection,
    a withdrawn project). Runs inside the caller's transaction."""
    current = Notice.objects.current().filter(project=project, kind=Notice.Kind.PLAN, withdrawn_at__isnull=True)
    for posted in current.select_for_update(of=("self",)):
        _withdraw(posted, by, reason)


def notice_photo_upload(*, notice: Notice, by, upload) -> Notice:
    """Attach a photo proving the notice hangs on the physical board. The type is judged by the
    file's content, never by its name."""
    inspected = inspect_upload(upload, accept=PHOTOS, what="照片", advice="请压缩后再上传。")
    content_type, ext, sha = inspected.content_type, inspected.extension, inspected.sha256
    with transaction.atomic():
        notice = _locked_notice(notice)
        require(by, "act_for_community", notice.community)
        if notice.withdrawn_at is not None:
            raise ValidationError("已撤下的公示不能再上传张贴照片。", code="withdrawn")
        before = notice.board_photo_sha256
        notice.board_photo.save(f"{notice.community.code}-{notice.pk}-{sha[:12]}.{ext}", upload, save=False)
        notice.board_photo_type, notice.board_photo_sha256 = content_type, sha
        notice.save(update_fields=["board_photo", "board_photo_type", "board_photo_sha256"])
        event_record(
            action="notice.photo",
            obj=notice,
            actor=by,
            project_id=notice.project_id,
            changes={"sha256": {"before": before, "after": sha}, "size": upload.size},
        )
    return notice


# -- objections (Art. 10) ---------------------------------------------------------------------------

OBJECTION_TEXT_MAX = 2000
PERSONAL_MAX = 50


def objection_submit(
    *, notice: Notice, text: str, name: str = "", contact: str = "", calendar: WorkingCalendar | None = None
) -> Objection:
    """A resident objects while the notice is up. No login: the tracking code is their receipt.
    The objection holds the project until the working committee decides it, and the community
    must answer it within the reply period, counted from the day after it came in (SPEC.md
    "Decisions the rules leave to us"; the date is fixed now and shown to the resident)."""
    text = required_text(text, "异议内容", OBJECTION_TEXT_MAX)
    name = optional_text(name, "姓名", PERSONAL_MAX)
    contact = optional_text(contact, "联系方式", PERSONAL_MAX)
    due = objection_reply_deadline(timezone.localdate(), calendar or WorkingCalendar())
    with transaction.atomic():
        notice = _locked_notice(notice)
        if notice.status != "up":
            raise ValidationError("该公示不在公示期内，不能再提出异议。", code="not_up")
        objection = Objection.objects.create(
            notice=notice,
            text=text,
            name=name,
            contact=contact,
            client_address=current_client_address.get(),
            reply_due_on=due.date,
            reply_due_provisional=due.provisional,
        )
        # The trail records that an objection came in, never who made it.
        event_record(
            action="objection.submit",
            obj=objection,
            community=notice.community,
            project_id=notice.project_id,
            object_repr=f"对“{notice.title}”的异议",
            changes={"notice": notice.pk, "length": len(text)},
        )
    return objection


def _locked_objection(objection: Objection) -> Objection:
    return (
        Objection.objects.select_for_update(of=("self",))
        .select_related("notice__community__committee", "notice__project")
        .get(pk=objection.pk)
    )


def objection_answer(*, objection: Objection, by, answer: str) -> Objection:
    """The community Party committee answers; the answer is shown on the notice."""
    answer = required_text(answer, "答复内容", 2000)
    with transaction.atomic():
        objection = _locked_objection(objection)
        require(by, "act_for_community", objection.notice.community)
        if objection.state != Objection.State.OPEN:
            raise ValidationError("该异议已答复或已办结。", code="wrong_state")
        objection.answer, objection.answered_by, objection.answered_at = answer, by, timezone.now()
        objection.state = Objection.State.ANSWERED
        objection.save(update_fields=["answer", "answered_by", "answered_at", "state"])
        event_record(
            action="objection.answer",
            obj=objection,
            actor=by,
            community=objection.notice.community,
            project_id=objection.notice.project_id,
            changes={"answer": answer},
        )
    return objection


def objection_record_decision(*, objection: Objection, by, upheld: bool, decision: str, remedy: str = "") -> Objection:
    """Record the working committee's decision on an objection (Art. 10). What it does to the
    project is the process's to decide (``projects.services.objection_decide``, the one caller):
    with a ``remedy`` the plan has gone back, so the other open objections to it are settled with
    it and its notices come down. Runs inside the caller's transaction."""
    decision = required_text(decision, "决定意见", 2000)
    with transaction.atomic():
        objection = _locked_objection(objection)
        notice = objection.notice
        require(by, "manage_execution", notice.community)
        if objection.state == Objection.State.OPEN:
            raise ValidationError("须先由社区党委答复，党工委再作决定。", code="not_answered")
        if objection.state != Objection.State.ANSWERED:
            raise ValidationError("该异议已办结。", code="wrong_state")
        now = timezone.now()
        objection.decision, objection.decided_by, objection.decided_at = decision, by, now
        objection.state = Objection.State.UPHELD if upheld else Objection.State.DISMISSED
        objection.remedy = remedy
        objection.save(update_fields=["decision", "decided_by", "decided_at", "state", "remedy"])
        event_record(
            action="objection.uphold" if upheld else "objection.dismiss",
            obj=objection,
            actor=by,
            reason=decision,
            community=notice.community,
            project_id=notice.project_id,
            changes={"notice": notice.pk, "remedy": objection.remedy},
        )
        if remedy:
            others = Objection.objects.select_for_update(of=("self",)).filter(
                notice__project=notice.project, notice__kind=notice.kind, state__in=Objection.OPEN_STATES
            )
            for other in others:
                other.state, other.decided_by, other.decided_at = Objection.State.MOOT, by, now
                other.decision = f"同一方案的另一条异议经党工委决定成立，方案已{objection.get_remedy_display()}。"
                other.save(update_fields=["state", "decided_by", "decided_at", "decision"])
                event_record(
                    action="objection.moot",
                    obj=other,
                    actor=by,
                    community=notice.community,
                    project_id=notice.project_id,
                )
            plan_notices_take_down(
                project=notice.project, by=by, reason=f"异议成立，方案{objection.get_remedy_display()}：{decision}"
            )
    return objection


# -- residents' needs (Art. 6, 9) -------------------------------------------------------------------


def need_record(
    *,
    community: Community,
    content: str,
    channel: str,
    by=None,
    received_on: datetime.date | None = None,
    name: str = "",
    contact: str = "",
    calendar: WorkingCalendar | None = None,
) -> Need:
    """Record a need: from the public form (``by`` is None, channel online) or by staff who
    gathered it door to door, at the service hall or elsewhere (channel recorded). The tracking
    code is the resident's receipt."""
    content = required_text(content, "诉求内容", 2000)
    name = optional_text(name, "姓名", PERSONAL_MAX)
    contact = optional_text(contact, "联系方式", PERSONAL_MAX)
    if channel not in Need.Channel.values:
        raise ValidationError("收集渠道无效。", code="channel_invalid")
    today = timezone.localdate()
    received_on = received_on or today
    if received_on > today:
        raise ValidationError("收集日期不能晚于今天。", code="future_date")
    if by is None and channel != Need.Channel.ONLINE:
        raise ValidationError("居民网上提交的诉求，渠道只能是“网上提交”。", code="channel_invalid")
    if by is not None:
        require(by, "propose_project", community)
    # The community answers within the reply period from the day it was received (the date is
    # fixed now: a need gathered door to door last week is due a week earlier than one typed today).
    due = need_reply_deadline(received_on, calendar or WorkingCalendar())
    with transaction.atomic():
        need = Need.objects.create(
            community=community,
            channel=channel,
            received_on=received_on,
            content=content,
            submitter_name=name,
            submitter_contact=contact,
            recorded_by=by,
            reply_due_on=due.date,
            reply_due_provisional=due.provisional,
        )
        event_record(
            action="need.record",
            obj=need,
            actor=by,
            community=community,
            object_repr=f"民意诉求 #{need.pk}",
            changes={"channel": channel, "received_on": received_on},
        )
    return need


def need_respond(*, need: Need, by, response: str) -> Need:
    """The community answers a need (shown publicly and on its tracking page): what it will do,
    or why someone else does it. Once: an answer is never overwritten; a later decision not to
    take the need up is recorded beside it (need_mark_not_adopted)."""
    response = required_text(response, "回应内容", 1000)
    with transaction.atomic():
        need = Need.objects.select_for_update().get(pk=need.pk)
        require(by, "propose_project", need.community)
        if need.response:
            raise ValidationError("该诉求已回应过；如需补充，请在项目或“未采纳”理由中说明。", code="responded")
        need.response, need.responded_by, need.responded_at = response, by, timezone.now()
        need.save(update_fields=["response", "responded_by", "responded_at"])
        event_record(
            action="need.respond",
            obj=need,
            actor=by,
            community=need.community,
            object_repr=f"民意诉求 #{need.pk}",
            changes={"response": response},
        )
    return need


def need_mark_not_adopted(*, need: Need, by, reason: str) -> Need:
    """The community decides not to take a need up, and says why (shown publicly)."""
    reason = required_text(reason, "未采纳的理由", 1000)
    with transaction.atomic():
        need = Need.objects.select_for_update().get(pk=need.pk)
        require(by, "propose_project", need.community)
        if need.projects.exists():
            raise ValidationError("该诉求已纳入项目，不能标记为未采纳。", code="adopted")
        before = need.outcome
        need.outcome, need.outcome_note = Need.Outcome.NOT_ADOPTED, reason
        need.outcome_by, need.outcome_at = by, timezone.now()
        need.save(update_fields=["outcome", "outcome_note", "outcome_by", "outcome_at"])
        event_record(
            action="need.not_adopted",
            obj=need,
            actor=by,
            reason=reason,
            community=need.community,
            object_repr=f"民意诉求 #{need.pk}",
            changes={"outcome": {"before": before, "after": need.outcome}},
        )
    return need


# -- the annual summary (Art. 15) -------------------------------------------------------------------


def annual_summary_publish(
    *,
    fund_year: FundYear,
    by,
    reviewed_hash: str,
    remarks: str = "",
    posted_on: datetime.date | None = None,
    calendar: WorkingCalendar | None = None,
) -> Notice:
    """Publish the year's summary the community has reviewed. ``reviewed_hash`` is the hash of
    the figures the reviewer saw: if the year's data moved since, publishing is refused so no one
    posts figures they did not read."""
    from .annual import annual_snapshot, annual_title

    calendar = calendar or WorkingCalendar()
    remarks = optional_text(remarks, "说明", 2000)
    posted_on = posted_on or timezone.localdate()
    with transaction.atomic():
        fund_year = (
            FundYear.objects.select_for_update(of=("self",)).select_related("community__committee").get(pk=fund_year.pk)
        )
        require(by, "act_for_community", fund_year.community)
        live = Notice.objects.current().filter(fund_year=fund_year, kind=Notice.Kind.ANNUAL, withdrawn_at__isnull=True)
        if live.exists():
            raise ValidationError("本年度的年度公示已发布；如需修改请发布更正。", code="duplicate")
        title = annual_title(fund_year)
        snapshot = annual_snapshot(fund_year)
        if Notice.hash_snapshot(title, snapshot) != reviewed_hash:
            raise ValidationError("核对后年度数据已有变化，请重新核对后再发布。", code="stale_review")
        snapshot["remarks"] = remarks
        notice = _notice_create(
            kind=Notice.Kind.ANNUAL,
            title=title,
            snapshot=snapshot,
            by=by,
            posted_on=posted_on,
            calendar=calendar,
            community=fund_year.community,
            fund_year=fund_year,
        )
        event_record(
            action="notice.publish",
            obj=notice,
            actor=by,
            changes={
                "kind": Notice.Kind.ANNUAL,
                "year": fund_year.year,
                "posted_on": posted_on,
                "ends_on": notice.ends_on,
                "content_hash": notice.content_hash,
            },
        )
        _checkpoint(notice)
    return notice
