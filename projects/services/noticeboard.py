"""The seam with the notice board (Art. 10, 13, 15), owned by the process: what an objection the
working committee upholds does to a project, and whether a withdrawn notice may go up again.
publicity keeps the notices and objections and never changes a project; these services decide
what the project does and call publicity for the notices' part, in one transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from fundadmin.models import User
from fundadmin.permissions import require
from fundadmin.workdays import WorkingCalendar
from publicity import services as noticeboard
from publicity.models import Notice, Objection

from .. import facts as project_facts
from .. import process
from ..process import NoticeRuns, Status
from .steps import check, locked, take


def objection_decide(*, objection: Objection, by: User, upheld: bool, decision: str, shelve: bool = False) -> Objection:
    """The working committee decides an objection (Art. 10). Upheld against a plan that is still on
    notice, the plan goes back — to be revised and posted again, or shelved until a new joint
    meeting agrees — and its notices come down. Otherwise only the decision is recorded; the
    process goes on once the period has run."""
    with transaction.atomic():
        notice = objection.notice
        project = locked(notice.project) if notice.project_id else None
        sends_back = (
            upheld and notice.kind == Notice.Kind.PLAN and project is not None and project.status == Status.PUBLICITY
        )
        remedy = ""
        if sends_back:
            remedy = Objection.Remedy.SHELVE if shelve else Objection.Remedy.REVISE
            assignment = check(process.UPHOLD_OBJECTION, project, by)
            take(project, process.UPHOLD_OBJECTION, by, outcome=remedy, reason=decision, assignment=assignment)
        return noticeboard.objection_record_decision(
            objection=objection, by=by, upheld=upheld, decision=decision, remedy=remedy
        )


def notice_repost(*, notice: Notice, by: User, calendar: WorkingCalendar | None = None) -> Notice:
    """Post a withdrawn project notice again, as a fresh notice with a full period, while the
    project still waits on it (otherwise a withdrawal would leave the project stuck on notice)."""
    with transaction.atomic():
        require(by, "act_for_community", notice.community)
        if notice.project_id is None:
            raise ValidationError("只有已撤下的项目公示可以重新张贴。", code="not_withdrawn")
        # The project's row lock serialises reposts; the notice is read afresh under it.
        project = locked(notice.project)
        notice = Notice.objects.get(pk=notice.pk)
        if notice.withdrawn_at is None:
            raise ValidationError("只有已撤下的项目公示可以重新张贴。", code="not_withdrawn")
        clock = project.state.clock
        waits_on_it = isinstance(clock, NoticeRuns) and clock.kind == notice.kind
        if notice.kind != Notice.Kind.PAYMENT and not waits_on_it:
            raise ValidationError("项目已不在该公示阶段，无需重新张贴。", code="wrong_state")
        facts = project_facts.load([project], kinds={"notices"})[0]
        if facts.latest_notice(notice.kind) is not None:
            raise ValidationError("该项目已有一份有效的同类公示。", code="duplicate")
        return noticeboard.notice_publish_for_project(project=project, kind=notice.kind, by=by, calendar=calendar)
