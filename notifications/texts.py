"""An event in words, for a person: who did what, to which project, where it stands now.

Chinese a person would say (UX.md "Words"): the step's label as the trail shows it, the state's
label, the actor's name and role — never an action code or a field name.
"""

from __future__ import annotations

from django.urls import reverse

from audit.sentences import sentence, what
from projects import process
from projects.models import Project, Status
from publicity.models import Objection
from supervision.models import ReportEvaluation

from .channels import Message

EXCERPT = 120


def _excerpt(text: str) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _sentence(event) -> str:
    """The trail's own sentence (audit.sentences), without its full stop."""
    return sentence(event).rstrip("。")


def _label(event) -> str:
    """What was done, short: the step's label for a project's steps, else the start of the sentence."""
    step = process.step_for_action(event.action)
    return step.label if step is not None else _excerpt(what(event).split("「")[0])


def describe(event) -> Message:
    """The message about ``event`` that every recipient and channel gets."""
    if event.action.startswith("project.") and event.project_id:
        return _project_message(event)
    if event.action.startswith("objection."):
        return _objection_message(event)
    if event.action.startswith("opinion."):
        path = reverse("supervision:opinion_detail", args=[event.object_id])
        detail = event.changes.get("text") or event.changes.get("answer") or ""
        text = f"{_sentence(event)}。"
        if detail:
            text += f"\n内容：{_excerpt(detail)}"
        return Message(event, event.object_repr, text, path, event.project_id)
    if event.action == "need.record":
        code = event.community.code if event.community_id else ""
        path = reverse("publicity:staff_needs", args=[code]) if code else ""
        community = event.community.name if event.community_id else ""
        return Message(event, f"{community}新的民意诉求", f"{_sentence(event)}。", path)
    if event.action.startswith("annual_report."):
        report_pk = event.object_id
        if event.action == "annual_report.evaluate":
            report_pk = ReportEvaluation.objects.filter(pk=event.object_id).values_list("report", flat=True).first()
        path = reverse("supervision:report_detail", args=[report_pk]) if report_pk else ""
        return Message(event, event.object_repr, f"{_sentence(event)}。", path)
    return Message(event, _label(event), f"{_sentence(event)}。", "")


def _project_message(event) -> Message:
    project = Project.objects.filter(pk=event.project_id).first()
    path = reverse("projects:detail", args=[event.project_id])
    if project is None:
        return Message(event, event.object_repr, f"{_sentence(event)}。", path, event.project_id)
    status = event.changes.get("to") if isinstance(event.changes, dict) else None
    status_label = Status(status).label if status in Status.values else project.get_status_display()
    lines = [f"{_sentence(event)}。", f"项目现在：{status_label}。"]
    if event.reason:
        lines.append(f"说明：{_excerpt(event.reason)}")
    return Message(event, f"{project.number} {project.title}：{_label(event)}", "\n".join(lines), path, project.pk)


def _objection_message(event) -> Message:
    objection = (
        Objection.objects.select_related("notice__project", "notice__community").filter(pk=event.object_id).first()
    )
    if objection is None:
        return Message(event, _label(event), f"{_sentence(event)}。", "", event.project_id)
    notice = objection.notice
    project = notice.project
    if project is not None:
        path = reverse("projects:detail", args=[project.pk])
        about = f"{project.number} {project.title}"
    else:
        path = reverse("publicity:staff_objections", args=[notice.community.code])
        about = notice.title
    lines = [f"{_sentence(event)}（{about}）。"]
    detail = event.changes.get("answer") or event.reason or ""
    if detail:
        lines.append(f"内容：{_excerpt(detail)}")
    return Message(event, f"异议：{about}", "\n".join(lines), path, project.pk if project else None)
