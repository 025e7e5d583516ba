"""Writes of the supervision app. Each runs in one transaction with its trail event; the rows two
people could touch at once (an opinion being answered, a fund year's report) are locked first."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import event_record
from fundadmin.models import Community, FundYear, User
from fundadmin.permissions import check, require
from fundadmin.text import required_text

from .models import AnnualReport, Opinion, ReportEvaluation
from .selectors import report_snapshot, snapshot_hash

TEXT_LIMIT = 4000
NARRATIVE_LIMIT = 10000


# -- supervision opinions (Art. 14) ----------------------------------------------------------------


def opinion_record(
    *,
    community: Community,
    by: User,
    subject: str,
    addressed_to: str,
    text: str,
    project=None,
    notice=None,
    finding=None,
) -> Opinion:
    """A supervisor records an opinion on a project, its payment or a notice of their own
    community (Art. 14). It is the one thing the supervision committee writes."""
    require(by, "supervise_community", community)
    text = required_text(text, "监督意见", TEXT_LIMIT)
    if addressed_to not in Opinion.Addressee.values:
        raise ValidationError("请选择答复单位。", code="addressee")
    settlement = None
    if subject == Opinion.Subject.PROJECT:
        if project is None:
            raise ValidationError("请选择项目。", code="project_required")
        notice = None
    elif subject == Opinion.Subject.SETTLEMENT:
        if project is None:
            raise ValidationError("请选择项目。", code="project_required")
        settlement = getattr(project, "settlement", None)
        if settlement is None:
            raise ValidationError(
                "该项目尚未结算，不能对经费支付提出意见；可对项目本身提出意见。", code="no_settlement"
            )
        notice = None
    elif subject == Opinion.Subject.NOTICE:
        if notice is None:
            raise ValidationError("请选择公示。", code="notice_required")
        project = notice.project
    else:
        raise ValidationError("请选择监督对象。", code="subject")
    for target in (project, notice):
        if target is not None and target.community_id != community.pk:
            raise PermissionDenied("只能对本社区的项目和公示提出监督意见。")
    if finding is not None and finding.committee_id != community.committee_id:
        raise PermissionDenied("只能就本社区或本党工委的廉政预警提出监督意见。")
    if finding is not None and finding.community_id not in (None, community.pk):
        raise PermissionDenied("只能就本社区或本党工委的廉政预警提出监督意见。")
    with transaction.atomic():
        opinion = Opinion.objects.create(
            community=community,
            subject=subject,
            project=project,
            settlement=settlement,
            notice=notice,
            addressed_to=addressed_to,
            text=text,
            finding=finding,
            raised_by=by,
            raised_by_name=by.display_name,
            raised_at=timezone.now(),
        )
        event_record(
            action="opinion.record",
            obj=opinion,
            actor=by,
            community=community,
            project_id=project.pk if project is not None else None,
            changes={
                "subject": subject,
                "addressed_to": addressed_to,
                "notice": notice.pk if notice is not None else None,
                "settlement": settlement.pk if settlement is not None else None,
                "text": text,
            },
        )
    return opinion


def opinion_answer(*, opinion: Opinion, by: User, answer: str) -> Opinion:
    """The body the opinion is addressed to answers it, once (community: 社区党委 acting for the
    community; committee: the working committee's execution managers)."""
    answer = required_text(answer, "答复", TEXT_LIMIT)
    with transaction.atomic():
        # Two staff may answer at once: the second sees the first answer and is refused.
        opinion = (
            Opinion.objects.select_for_update(of=("self",)).select_related("community__committee").get(pk=opinion.pk)
        )
        codename = Opinion.ANSWER_PERMISSION[Opinion.Addressee(opinion.addressed_to)]
        verdict = check(by, codename, opinion.community)
        if not verdict:
            raise PermissionDenied(f"该意见须由{opinion.get_addressed_to_display()}答复。{verdict.reason}")
        if not opinion.is_open:
            raise ValidationError("该监督意见已答复。", code="already_answered")
        opinion.answer = answer
        opinion.answered_by = by
        opinion.answered_by_name = by.display_name
        opinion.answered_at = timezone.now()
        opinion.save(update_fields=["answer", "answered_by", "answered_by_name", "answered_at"])
        event_record(
            action="opinion.answer",
            obj=opinion,
            actor=by,
            community=opinion.community,
            project_id=opinion.project_id,
            changes={"answer": answer},
        )
    return opinion


# -- the annual report (Art. 16) -------------------------------------------------------------------


def annual_report_submit(
    *, fund_year: FundYear, by: User, narrative: str, reviewed_hash: str | None = None
) -> AnnualReport:
    """Submit the community's report for the year: the figures generated now, frozen with the
    narrative. ``reviewed_hash`` is the hash of the figures the submitter saw; if the year's data
    moved since, the submission is refused so no one reports figures they did not read. A report
    from 1 December on is accepted and flagged late (Art. 16)."""

    narrative = required_text(narrative, "工作总结", NARRATIVE_LIMIT)
    with transaction.atomic():
        fund_year = (
            FundYear.objects.select_for_update(of=("self",)).select_related("community__committee").get(pk=fund_year.pk)
        )
        require(by, "act_for_community", fund_year.community)
        if AnnualReport.objects.filter(fund_year=fund_year).exists():
            raise ValidationError(f"{fund_year.year}年度报告已报送，不能重复报送。", code="duplicate")
        snapshot = report_snapshot(fund_year)
        if reviewed_hash is not None and snapshot_hash(snapshot) != reviewed_hash:
            raise ValidationError("核对后年度数据已有变化，请重新核对后再报送。", code="stale_review")
        now = timezone.now()
        report = AnnualReport.objects.create(
            fund_year=fund_year,
            community=fund_year.community,
            year=fund_year.year,
            snapshot=snapshot,
            content_hash=AnnualReport.hash_content(snapshot, narrative),
            narrative=narrative,
            submitted_by=by,
            submitted_by_name=by.display_name,
            submitted_at=now,
            submitted_on=timezone.localdate(now),
        )
        event_record(
            action="annual_report.submit",
            obj=report,
            actor=by,
            community=fund_year.community,
            changes={"year": fund_year.year, "content_hash": report.content_hash, "late": report.is_late},
        )
    return report


def report_evaluate(
    *, report: AnnualReport, by: User, score: int | None, grade: str, comments: str
) -> ReportEvaluation:
    """The working committee's 考核评议 of a report: a score (0–100) and/or a grade, with comments.
    A re-evaluation is a new record that names the one it replaces (Art. 16)."""
    comments = required_text(comments, "评议意见", TEXT_LIMIT)
    if score is None and not grade:
        raise ValidationError("请填写评分或选择等次（至少一项）。", code="score_or_grade")
    if score is not None and not 0 <= score <= 100:
        raise ValidationError("评分须在 0 到 100 之间。", code="score_range")
    if grade and grade not in ReportEvaluation.Grade.values:
        raise ValidationError("等次无效。", code="grade")
    with transaction.atomic():
        # Lock the report so two evaluators do not both "replace" the same current evaluation.
        report = (
            AnnualReport.objects.select_for_update(of=("self",))
            .select_related("community__committee")
            .get(pk=report.pk)
        )
        require(by, "evaluate_report", report.community.committee)
        current = report.evaluations.order_by("-evaluated_at", "-pk").first()
        evaluation = ReportEvaluation.objects.create(
            report=report,
            score=score,
            grade=grade,
            comments=comments,
            evaluated_by=by,
            evaluated_by_name=by.display_name,
            evaluated_at=timezone.now(),
            supersedes=current,
        )
        event_record(
            action="annual_report.evaluate",
            obj=evaluation,
            actor=by,
            community=report.community,
            object_repr=f"{report}：{evaluation}",
            changes={
                "report": report.pk,
                "score": score,
                "grade": grade,
                "comments": comments,
                "supersedes": current.pk if current else None,
            },
        )
    return evaluation
