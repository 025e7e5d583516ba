"""The trail in words: every event read as a Chinese sentence — who (name, role and body at that
moment), did what, to what, with which amount or reason.

The trail knows no app. Each app says how its own events read by registering a function for an
action (``"ledger.payment"``) or a prefix (``"project."``) from its AppConfig.ready; the function
gets the event and returns what was done ("初步同意「GH-2026-003 楼道照明」"), and ``sentence``
puts the actor in front. An event no app describes reads as a plain "办理了一项操作" with its
object — never as a raw key — and the tests fail on it (tests/audit/test_sentences.py).
"""

from __future__ import annotations

from collections.abc import Callable

from .models import AuditEvent

Describe = Callable[[AuditEvent], str]
_actions: dict[str, Describe] = {}
_prefixes: dict[str, Describe] = {}


def register(action: str, describe: Describe) -> None:
    """Describe the events of ``action``, or of every action starting with it if it ends in "."."""
    (_prefixes if action.endswith(".") else _actions)[action] = describe


def describer(action: str) -> Describe | None:
    if action in _actions:
        return _actions[action]
    return next((d for prefix, d in _prefixes.items() if action.startswith(prefix)), None)


def who(event: AuditEvent) -> str:
    """The actor as the sentence names them: 王芳（社区党委书记，桂花社区）; an acting leader with the
    person they acted for, in the role they acted in: 张德明代李伟（党工委书记，东湖街道社区党工委）."""
    if not event.actor_id and event.actor_name in ("", "系统"):
        return "系统"
    acting_for = (event.changes or {}).get("acting_for") if isinstance(event.changes, dict) else None
    name = f"{event.actor_name}代{acting_for}" if acting_for else event.actor_name
    detail = "，".join(part for part in (event.actor_role, event.actor_scope) if part)
    return f"{name}（{detail}）" if detail else name


def what(event: AuditEvent) -> str:
    describe = describer(event.action)
    if describe is None:
        return f"办理了一项操作「{event.object_repr}」" if event.object_repr else "办理了一项操作"
    return describe(event)


def sentence(event: AuditEvent) -> str:
    """The whole sentence, ending in a full stop."""
    text = f"{who(event)}{what(event)}"
    return text if text.endswith(("。", "！", "？")) else text + "。"


def quoted(value) -> str:
    """Free text inside a sentence."""
    text = str(value or "").strip()
    return f"“{text}”" if text else ""


# -- the trail's own events -------------------------------------------------------------------------


def _verify(event: AuditEvent) -> str:
    c = event.changes or {}
    if c.get("ok"):
        return f"核验审计链：完整，已核验至第 {c.get('verified_through_seq')} 号事件"
    return f"核验审计链：发现断点，第 {c.get('first_broken_seq')} 号事件起与链不符"


def _login_failed(event: AuditEvent) -> str:
    return f"登录失败（账号 {quoted(event.object_repr)}）" if event.object_repr else "登录失败"


register("audit.verify", _verify)
register("auth.login_failed", _login_failed)
