"""Writes of the integrity indicators: a run that stores what fires, and a supervisor's judgement.
Each runs in one transaction with its trail event (audit.services.event_record)."""

from __future__ import annotations

import hashlib
import json
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import AuditHead
from audit.services import event_record
from fundadmin.models import Community, User
from fundadmin.permissions import Verdict, check, scopes_with
from fundadmin.text import required_text

from ..models import Finding, FindingReview, FindingVersion, IndicatorRun
from .compute import Candidate, compute_all
from .kinds import SPECS, thresholds, thresholds_json

REASON_LIMIT = 4000
BATCH = 500
UPDATED_FIELDS = [
    "committee_id",
    "community_id",
    "year",
    "project_id",
    "value",
    "threshold",
    "summary",
    "evidence",
    "evidence_hash",
    "last_run",
]


def evidence_hash(candidate: Candidate) -> str:
    data = {"value": str(candidate.value), "summary": candidate.summary, "evidence": candidate.evidence}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def indicators_compute(*, by: User | None = None, trigger: str = IndicatorRun.Trigger.SCHEDULED) -> IndicatorRun:
    """Compute every indicator over the whole city and store what fires (Art. 19).

    A finding is identified by its kind and key across runs: one seen before keeps its row (and
    the judgements made on it) and moves its ``last_run`` on; its evidence, when it changed, is a
    new ``FindingVersion`` beside the old ones. The run records the trail's sequence number it
    read at, so anyone can tell which data it saw.
    """
    started = time.perf_counter()
    settings_in_force = thresholds()
    today = timezone.localdate()
    with transaction.atomic():
        # Two runs at once (the daily job and a click) are serialised on the newest run's row.
        IndicatorRun.objects.select_for_update().order_by("-pk").first()
        seq = AuditHead.objects.values_list("seq", flat=True).first() or 0
        candidates = compute_all(today=today, thresholds=settings_in_force)
        run = IndicatorRun.objects.create(
            computed_at=timezone.now(),
            computed_on=today,
            trail_seq=seq,
            trigger=trigger,
            by=by,
            by_name=by.display_name if by else "",
            thresholds=thresholds_json(settings_in_force),
        )
        existing = {(f.kind, f.key): f for f in Finding.objects.only("pk", "kind", "key", "evidence_hash")}
        new, changed, unchanged, versions = [], [], [], []
        for c in candidates:
            digest = evidence_hash(c)
            fields = {
                "committee_id": c.committee_id,
                "community_id": c.community_id,
                "year": c.year,
                "project_id": c.project_id,
                "value": c.value,
                "threshold": c.threshold,
                "summary": c.summary[:300],
                "evidence": c.evidence,
                "evidence_hash": digest,
            }
            found = existing.get((c.kind.value, c.key))
            if found is None:
                new.append(Finding(kind=c.kind, key=c.key[:200], first_run=run, last_run=run, **fields))
            elif found.evidence_hash != digest:
                for name, value in fields.items():
                    setattr(found, name, value)
                found.last_run = run
                changed.append(found)
            else:
                unchanged.append(found.pk)
        Finding.objects.bulk_create(new, batch_size=BATCH)
        if changed:
            Finding.objects.bulk_update(changed, UPDATED_FIELDS, batch_size=BATCH)
        for start in range(0, len(unchanged), BATCH):
            Finding.objects.filter(pk__in=unchanged[start : start + BATCH]).update(last_run=run)
        for f in [*new, *changed]:
            versions.append(
                FindingVersion(
                    finding=f,
                    run=run,
                    value=f.value,
                    summary=f.summary,
                    evidence=f.evidence,
                    evidence_hash=f.evidence_hash,
                )
            )
        FindingVersion.objects.bulk_create(versions, batch_size=BATCH)
        counts: dict[str, int] = {}
        for c in candidates:
            counts[c.kind.value] = counts.get(c.kind.value, 0) + 1
        run.fired = len(candidates)
        run.counts = counts
        run.duration_ms = round((time.perf_counter() - started) * 1000)
        run.save(update_fields=["fired", "counts", "duration_ms"])
        event_record(
            action="indicator.compute",
            obj=run,
            actor=by,
            changes={
                "trigger": run.get_trigger_display(),
                "trail_seq": seq,
                "fired": run.fired,
                "new": len(new),
                "changed": len(changed),
            },
        )
    return run


def may_compute(user) -> bool:
    """Who may recompute on demand: those who supervise or manage (Art. 14, 19). City oversight
    reads the daily results and writes nothing."""
    return bool(scopes_with(user, "supervise_community") or scopes_with(user, "view_committee_records"))


def may_review(user, finding: Finding) -> Verdict:
    """A finding of a community is judged by that community's supervision committee (Art. 14); a
    committee-wide one by the supervisors of any community of that committee."""
    if finding.community_id is not None:
        return check(user, "supervise_community", finding.community)
    supervised = scopes_with(user, "supervise_community")
    if supervised and Community.objects.filter(committee_id=finding.committee_id, pk__in=supervised).exists():
        return Verdict(True)
    return Verdict(False, "只有本党工委所辖社区的议事监督委员会成员可以判断该预警。")


def finding_review(*, finding: Finding, by: User, verdict: str, reason: str) -> FindingReview:
    """A supervisor marks a finding as looked at and judged, with the reason; kept for good and
    in the trail (Art. 14, 19)."""
    allowed = may_review(by, finding)
    if not allowed:
        raise PermissionDenied(allowed.reason)
    if verdict not in FindingReview.Verdict.values:
        raise ValidationError("请选择判断结果。", code="verdict")
    reason = required_text(reason, "判断理由", REASON_LIMIT)
    with transaction.atomic():
        finding = (
            Finding.objects.select_for_update(of=("self",)).select_related("community", "committee").get(pk=finding.pk)
        )
        review = FindingReview.objects.create(
            finding=finding,
            verdict=verdict,
            reason=reason,
            evidence_hash=finding.evidence_hash,
            by=by,
            by_name=by.display_name,
            at=timezone.now(),
        )
        # A committee-wide finding is judged in the name of the reviewer's own community, whose
        # trail then shows it.
        community = finding.community or (
            Community.objects.filter(committee=finding.committee_id, pk__in=scopes_with(by, "supervise_community"))
            .order_by("code")
            .first()
        )
        event_record(
            action="indicator.review",
            obj=finding,
            actor=by,
            community=community,
            project_id=finding.project_id,
            reason=reason,
            changes={
                "indicator": SPECS[finding.kind].name,
                "summary": finding.summary,
                "verdict": review.get_verdict_display(),
            },
        )
    return review
