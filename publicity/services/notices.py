"""Notices (Art. 10, 13, 15): frozen at publication, corrected as new versions that run their own
full period, withdrawn with the reason shown, photographed on the board. ``notice_publish_for_project``
and ``project_snapshot`` are called by the process's services inside their own transaction."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from audit.checkpoints import CheckpointError, checkpoint_make
from audit.models import Checkpoint
from audit.services import event_record
from fundadmin.permissions import require
from fundadmin.text import optional_text, required_text
from fundadmin.uploads import PHOTOS, inspect_upload
from fundadmin.workdays import WorkingCalendar
from ledger.selectors import project_carries

from ..models import Notice


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
        carries = project_carries(project.pk)
        if carries:
            # Art. 13: approved in one year, paid in the next against the commitment its close carried.
            data["carried"] = {
                "from_year": carries[0].from_year,
                "to_year": carries[-1].to_year,
                "amount": _money(carries[0].amount),
            }
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
    notice = notice_create(
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
    notice_checkpoint(notice)
    return notice


# -- helpers ----------------------------------------------------------------------------------------


def notice_checkpoint(notice: Notice) -> None:
    """The signed audit checkpoint printed on this notice and shown on the board (issue 15): made
    right after the publication's own event, in its transaction, so it covers the publication."""
    try:
        checkpoint = checkpoint_make(reason=Checkpoint.Reason.NOTICE)
    except CheckpointError as error:
        # No notice goes up without the line residents can check; nothing is published.
        raise ValidationError(f"公示未能发布：{error}请联系系统管理员。", code="checkpoint_unavailable") from error
    notice.checkpoint_seq, notice.checkpoint_hash = checkpoint.seq, checkpoint.hash
    notice.save(update_fields=["checkpoint_seq", "checkpoint_hash"])


def locked_notice(notice: Notice) -> Notice:
    # Two staff members may correct or withdraw the same notice at once: the second one waits
    # here and then sees the first one's result (superseded or withdrawn) and is refused.
    return (
        Notice.objects.select_for_update(of=("self",))
        .select_related("community__committee", "project")
        .get(pk=notice.pk)
    )


def notice_create(
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
        old = locked_notice(notice)
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
        new = notice_create(
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
        notice_checkpoint(new)
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
        notice = locked_notice(notice)
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
        notice = locked_notice(notice)
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
