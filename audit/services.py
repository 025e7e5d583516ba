"""Writing to and verifying the trail. Every service that writes calls ``event_record`` inside its
own transaction, so the event and the change it describes commit together or not at all."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from . import hooks
from .checkpoints import CheckpointError, Claim, claims_read, paper_claim
from .context import client_address as current_client_address
from .middleware import parse_address
from .models import GENESIS_HASH, AuditEvent, AuditHead, VerificationRun

logger = logging.getLogger(__name__)


def _json_safe(value: Any) -> Any:
    # Decimal, date and the like become strings here, so the stored JSON is exactly what was hashed.
    return _revealed(json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)))


# The core says how text with hidden characters is written out (fundadmin.text.reveal_invisible,
# set from fundadmin's AppConfig.ready): the trail keeps what a stranger typed — a failed login's
# username — without letting it reorder the supervisor's page.
_reveal: Callable[[str], str] = lambda text: text  # noqa: E731


def reveal_text_with(reveal: Callable[[str], str]) -> None:
    global _reveal
    _reveal = reveal


def _revealed(value: Any) -> Any:
    if isinstance(value, str):
        return _reveal(value)
    if isinstance(value, dict):
        return {_revealed(k): _revealed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_revealed(v) for v in value]
    return value


def _community_of(obj) -> Any:
    """The community an object belongs to (a community is its own), or that of its project."""
    if obj is None:
        return None
    found = getattr(obj, "community", None)
    if found is None and getattr(obj, "project_id", None):
        found = getattr(obj.project, "community", None)
    return found


# The trail knows no app: the core, which sits on it, says how an actor's roles read at the moment
# they act (fundadmin's AppConfig.ready sets this).
ActorRoles = Callable[[Any, Any], tuple[str, str]]
_actor_roles: ActorRoles = lambda actor, community: ("", "")  # noqa: E731


def describe_actor_roles_with(describe: ActorRoles) -> None:
    global _actor_roles
    _actor_roles = describe


def _project_id_of(obj) -> int | None:
    if obj is None:
        return None
    if obj._meta.label == "projects.Project":
        return obj.pk
    return getattr(obj, "project_id", None)


def event_record(
    *,
    action: str,
    obj: models.Model | None,
    actor=None,
    acting_as=None,
    changes: dict | None = None,
    reason: str = "",
    community=None,
    project_id: int | None = None,
    object_repr: str | None = None,
) -> AuditEvent:
    """Append one event to the chain.

    ``acting_as`` is the role assignment (or anything that reads like one: ``get_role_display``,
    ``scope_label``) under which the actor acted; the role and its scope are copied into the event
    so the trail still says who was what after the role is revoked. When the actor acted on
    someone else's behalf (an acting leader), its ``trail_changes()`` says for whom — at least
    ``acting_for``, the name — and goes into ``changes``, where ``audit.sentences.who`` reads it.
    """
    with transaction.atomic():
        # Serialise appends (see AuditHead). On SQLite the IMMEDIATE transaction already does.
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        role = scope = ""
        if acting_as is not None:
            role, scope = acting_as.get_role_display(), acting_as.scope_label
            on_behalf = getattr(acting_as, "trail_changes", None)
            if on_behalf is not None and on_behalf():
                changes = {**(changes or {}), **on_behalf()}
        elif actor is not None:
            role, scope = _actor_roles(actor, community or _community_of(obj))
        community = community or _community_of(obj)
        event = AuditEvent(
            seq=head.seq + 1,
            created_at=timezone.now(),
            actor=actor if actor is not None and actor.pk else None,
            actor_name=actor.display_name if actor is not None else "系统",
            actor_role=role[:50],
            actor_scope=scope[:100],
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            object_repr=_revealed(object_repr if object_repr is not None else str(obj) if obj is not None else "")[
                :200
            ],
            community=community,
            project_id=project_id if project_id is not None else _project_id_of(obj),
            changes=_json_safe(changes or {}),
            reason=_revealed(reason),
            client_address=parse_address(current_client_address.get()),
            prev_hash=head.hash,
        )
        event.hash = event.compute_hash()
        event.save()
        AuditHead.objects.filter(id=1).update(seq=event.seq, hash=event.hash)
        hooks.event_appended(event)
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    verified_through_seq: int
    first_broken_seq: int | None
    message: str
    problems: tuple[str, ...] = ()
    full: bool = True
    started_after_seq: int = 0
    checkpoints_checked: int = 0
    contradicted: Claim | None = None
    anchor: Claim | None = None


def chain_verify(
    *,
    chunk_size: int = 5000,
    claims: Iterable[Claim] = (),
    start: Claim | None = None,
    witness_problems: Iterable[str] = (),
) -> ChainReport:
    """Recompute every hash in order and report **every** inconsistency (edit, delete, reorder,
    a head that does not match, a checkpoint the database contradicts) — never stopping at the
    first and never raising on what it finds.

    ``claims`` are checkpoints (signed, read from outside the database) and lines typed in from
    paper; the first one the database contradicts is named. ``start`` is a checkpoint a previous
    full run confirmed: the recomputation starts after it (incremental), while every claim is
    still compared with the stored hash at its sequence number.
    """
    problems: list[str] = list(witness_problems)
    first_broken: int | None = None
    verified_through = start.seq if start else 0
    contiguous = True

    def broken(seq: int, message: str) -> None:
        nonlocal first_broken, contiguous
        problems.append(message)
        if first_broken is None:
            first_broken = seq
        contiguous = False

    expected_seq = (start.seq if start else 0) + 1
    prev_hash = start.hash if start else GENESIS_HASH
    checked = 0
    events = AuditEvent.objects.filter(seq__gte=expected_seq).order_by("seq")
    for event in events.iterator(chunk_size=chunk_size):
        if event.seq != expected_seq:
            if event.seq > expected_seq:
                last = event.seq - 1
                span = f"第 {expected_seq} 号" if last == expected_seq else f"第 {expected_seq} 至 {last} 号"
                broken(expected_seq, f"{span}事件缺失或顺序被改动（下一条为第 {event.seq} 号）")
            else:  # cannot happen with a unique seq; reported rather than trusted
                broken(event.seq, f"第 {event.seq} 号事件出现在第 {expected_seq - 1} 号之后（顺序被改动）")
        elif event.prev_hash != prev_hash:
            broken(event.seq, f"第 {event.seq} 号事件的上一条哈希与链不符（前序事件被删除、替换或重排）")
        if event.compute_hash() != event.hash:
            broken(event.seq, f"第 {event.seq} 号事件内容与其哈希不符（已被改动）")
        if contiguous:
            verified_through = event.seq
        prev_hash, expected_seq, checked = event.hash, event.seq + 1, checked + 1
    last_seq = expected_seq - 1

    head = AuditHead.objects.filter(id=1).first()
    if head is not None and (head.seq, head.hash) != (last_seq, prev_hash):
        if head.seq > last_seq:
            broken(
                last_seq + 1,
                f"链尾在第 {last_seq} 号之后的事件已被删除（链头记录为第 {head.seq} 号）",
            )
        else:
            broken(
                head.seq + 1 if head.seq < last_seq else last_seq,
                f"链头记录为第 {head.seq} 号（摘要 {head.hash[:8].upper()}），与链上最后一条第 {last_seq} 号"
                f"（摘要 {prev_hash[:8].upper()}）不符：链头被改动",
            )

    claims = sorted(claims, key=lambda c: (c.seq, c.made_at))
    stored = dict(AuditEvent.objects.filter(seq__in={c.seq for c in claims}).values_list("seq", "hash"))
    contradicted: Claim | None = None
    contradiction = ""
    anchor: Claim | None = None
    for claim in claims:
        have = stored.get(claim.seq)
        if have is None:
            why = f"数据库中没有第 {claim.seq} 号事件，链被截断（最后一条为第 {last_seq} 号）"
            suspect = last_seq + 1
        elif not claim.matches(have):
            why = f"数据库中第 {claim.seq} 号事件的哈希与之不符，该事件或其之前的链被改写"
            suspect = claim.seq
        else:
            if not claim.paper and claim.seq <= verified_through:
                anchor = claim
            continue
        problems.append(f"{claim.label}：{why}")
        if contradicted is None:
            contradicted, contradiction = claim, why
        first_broken = suspect if first_broken is None else min(first_broken, suspect)
        verified_through = min(verified_through, suspect - 1)

    ok = not problems
    scope = f"自检查点第 {start.seq} 号起增量核验" if start else "全量核验"
    if ok:
        witnesses = f"，与 {len(claims)} 个检查点一致" if claims else ""
        message = f"审计链完整，已核验至第 {last_seq} 号事件（{scope}{witnesses}）"
    elif contradicted:
        more = f"；共 {len(problems)} 处问题" if len(problems) > 1 else ""
        message = f"审计链有问题：数据库与{contradicted.label}矛盾——{contradiction}{more}"
    else:
        more = f"（另有 {len(problems) - 1} 处问题）" if len(problems) > 1 else ""
        message = f"审计链有问题：{problems[0]}{more}"
    return ChainReport(
        ok,
        checked,
        verified_through,
        first_broken,
        message,
        problems=tuple(problems),
        full=start is None,
        started_after_seq=start.seq if start else 0,
        checkpoints_checked=len(claims),
        contradicted=contradicted,
        anchor=anchor,
    )


def _incremental_start(claims: list[Claim], last: VerificationRun) -> Claim | None:
    """The anchor of the last run that found everything in order, if a signed checkpoint read now
    still says the same; otherwise None (a full run)."""
    for claim in claims:
        if not claim.paper and claim.seq == last.anchor_seq and claim.hash == last.anchor_hash:
            return claim
    return None


def audit_verify(*, full: bool = False, paper: Iterable[str] = ()) -> ChainReport:
    """The chain against every checkpoint that can be read outside the database and every line
    typed in from paper; incremental from the last verified checkpoint unless ``full``."""
    witness_problems: list[str] = []
    typed: list[Claim] = []
    for line in paper:
        try:
            typed.append(paper_claim(line))
        except CheckpointError as error:
            witness_problems.append(str(error))
    last = None
    if not full:
        last = VerificationRun.objects.filter(ok=True, anchor_seq__isnull=False).order_by("-ran_at", "-pk").first()
    start = None
    if last is not None:
        # Only the checkpoints from the anchor on are read (at city scale, years of them).
        read_problems: list[str] = []
        claims = claims_read(min_seq=last.anchor_seq, problems=read_problems)
        start = _incremental_start(claims, last)
        if start is not None:
            witness_problems += read_problems
    if start is None:
        claims = claims_read(problems=witness_problems)
    return chain_verify(claims=claims + typed, start=start, witness_problems=witness_problems)


def chain_verify_and_store(*, by=None, full: bool = False, paper: Iterable[str] = ()) -> VerificationRun:
    """Verify the chain, keep the result, and say in the trail who checked it and what they found
    (the check itself is appended after the events it covered). When the trail cannot take a new
    event — its head was tampered with — the result is still kept and returned, never raised."""
    report = audit_verify(full=full, paper=paper)
    run = VerificationRun.objects.create(
        ran_by=by,
        verified_through_seq=report.verified_through_seq,
        ok=report.ok,
        first_broken_seq=report.first_broken_seq,
        message=report.message,
        full=report.full,
        started_after_seq=report.started_after_seq,
        checkpoints_checked=report.checkpoints_checked,
        anchor_seq=report.anchor.seq if report.ok and report.anchor else None,
        anchor_hash=report.anchor.hash if report.ok and report.anchor else "",
        problems=list(report.problems),
    )
    try:
        with transaction.atomic():
            event_record(
                action="audit.verify",
                obj=run,
                actor=by,
                object_repr=f"审计链核验 #{run.pk}",
                changes={
                    "ok": report.ok,
                    "verified_through_seq": report.verified_through_seq,
                    "first_broken_seq": report.first_broken_seq,
                },
            )
    except DatabaseError as error:
        logger.error("audit.verify could not be appended to the trail: %s", error)
        run.problems = [
            *run.problems,
            f"核验结果无法追加到审计链（{type(error).__name__}）：链头与链不符，需要管理员处理",
        ]
        run.save(update_fields=["problems"])
    return run
