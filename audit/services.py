"""Writing to and verifying the trail. Every service that writes calls ``event_record`` inside its
own transaction, so the event and the change it describes commit together or not at all."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from . import hooks
from .context import client_address as current_client_address
from .models import GENESIS_HASH, AuditEvent, AuditHead, VerificationRun


def _json_safe(value: Any) -> Any:
    # Decimal, date and the like become strings here, so the stored JSON is exactly what was hashed.
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _clean_address(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


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
            object_repr=(object_repr if object_repr is not None else str(obj) if obj is not None else "")[:200],
            community=community,
            project_id=project_id if project_id is not None else _project_id_of(obj),
            changes=_json_safe(changes or {}),
            reason=reason,
            client_address=_clean_address(current_client_address.get()),
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


def chain_verify(*, chunk_size: int = 5000) -> ChainReport:
    """Recompute every hash in order and name the first broken link (edit, delete or reorder)."""
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if event.seq != expected_seq:
            return ChainReport(
                False,
                checked,
                expected_seq - 1,
                expected_seq,
                f"第 {expected_seq} 号事件缺失或顺序被改动（下一条为第 {event.seq} 号）",
            )
        if event.prev_hash != prev_hash:
            return ChainReport(
                False,
                checked,
                expected_seq - 1,
                event.seq,
                f"第 {event.seq} 号事件的上一条哈希与链不符（前序事件被删除、替换或重排）",
            )
        if event.compute_hash() != event.hash:
            return ChainReport(
                False, checked, expected_seq - 1, event.seq, f"第 {event.seq} 号事件内容与其哈希不符（已被改动）"
            )
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev_hash):
        return ChainReport(
            False,
            checked,
            expected_seq - 1,
            expected_seq,
            f"链尾在第 {expected_seq - 1} 号之后的事件已被删除（链头记录为第 {head.seq} 号）",
        )
    return ChainReport(True, checked, expected_seq - 1, None, f"审计链完整，已核验至第 {expected_seq - 1} 号事件")


def chain_verify_and_store(*, by=None) -> VerificationRun:
    """Verify the chain, keep the result, and say in the trail who checked it and what they found
    (the check itself is appended after the events it covered)."""
    report = chain_verify()
    with transaction.atomic():
        run = VerificationRun.objects.create(
            ran_by=by,
            verified_through_seq=report.verified_through_seq,
            ok=report.ok,
            first_broken_seq=report.first_broken_seq,
            message=report.message,
        )
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
    return run
