"""The workflow's writes, by stage of the process (``projects.process``). Each public function runs
in one transaction with the project row locked, takes its step through ``steps.take`` (never
assigning the status), and appends one event to the trail naming who acted, under which role and
scope, from which state to which."""

from .application import meeting_record, project_consent, project_return_for_revision
from .approval import project_approve, project_send_back, project_submit_for_approval
from .completion import project_close, project_start_completion_notice
from .documents import document_upload, may_upload_documents
from .execution import (
    change_money_problem,
    change_request_decide,
    change_request_submit,
    followup_assign,
    inspection_record,
    progress_record,
    project_request_inspection,
    project_start_execution,
)
from .noticeboard import notice_repost, objection_decide
from .payment import invoice_sign, invoice_submit, payment_repost, settlement_record
from .proposal import PLAN_FIELDS, LineInput, project_create, project_request_consent, project_update, project_withdraw
from .steps import acting_assignment

__all__ = [
    "PLAN_FIELDS",
    "LineInput",
    "acting_assignment",
    "change_money_problem",
    "change_request_decide",
    "change_request_submit",
    "document_upload",
    "followup_assign",
    "inspection_record",
    "invoice_sign",
    "invoice_submit",
    "may_upload_documents",
    "meeting_record",
    "notice_repost",
    "objection_decide",
    "payment_repost",
    "progress_record",
    "project_approve",
    "project_close",
    "project_consent",
    "project_create",
    "project_request_consent",
    "project_request_inspection",
    "project_return_for_revision",
    "project_send_back",
    "project_start_completion_notice",
    "project_start_execution",
    "project_submit_for_approval",
    "project_update",
    "project_withdraw",
    "settlement_record",
]
