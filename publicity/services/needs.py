"""Residents' needs (Art. 6, 9): gathered online or door to door, answered within a period, taken up
by a project or not adopted with the reason shown."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import event_record
from fundadmin.models import Community
from fundadmin.permissions import require
from fundadmin.text import optional_text, required_text
from fundadmin.workdays import WorkingCalendar

from ..models import Need
from ..periods import need_reply_deadline
from .objections import PERSONAL_MAX


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
