"""Writes of the notice board, by what they write: notices, objections, residents' needs and the
annual summary. Each runs in one transaction and appends one event to the trail. The notice board
never changes a project: what a notice or an objection means for one is decided in
``projects.services.noticeboard``."""

from .annual import annual_summary_publish
from .needs import need_mark_not_adopted, need_record, need_respond
from .notices import (
    CORRECTABLE_FIELDS,
    TITLES,
    notice_correct,
    notice_photo_upload,
    notice_publish_for_project,
    notice_withdraw,
    plan_notices_take_down,
    project_snapshot,
    snapshot_changes,
)
from .objections import (
    OBJECTION_TEXT_MAX,
    PERSONAL_MAX,
    objection_answer,
    objection_record_decision,
    objection_submit,
)

__all__ = [
    "CORRECTABLE_FIELDS",
    "OBJECTION_TEXT_MAX",
    "PERSONAL_MAX",
    "TITLES",
    "annual_summary_publish",
    "need_mark_not_adopted",
    "need_record",
    "need_respond",
    "notice_correct",
    "notice_photo_upload",
    "notice_publish_for_project",
    "notice_withdraw",
    "objection_answer",
    "objection_record_decision",
    "objection_submit",
    "plan_notices_take_down",
    "project_snapshot",
    "snapshot_changes",
]
