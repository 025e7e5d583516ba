"""How a webhook POST is signed, and how a receiver checks it (docs/notifications.md).

The body is the JSON document exactly as sent (UTF-8). With the shared secret as the key:

    signature = HMAC-SHA256(secret, timestamp + "." + body)   (hex, lower case)

sent as ``X-Fundadmin-Signature: sha256=<signature>`` beside ``X-Fundadmin-Timestamp: <Unix
seconds>``. The timestamp is inside the signed bytes, so a captured request cannot be replayed
later with a new timestamp; a receiver refuses a timestamp more than ``TOLERANCE_SECONDS`` away
from its own clock. ``X-Fundadmin-Delivery`` stays the same across retries of one message, so a
receiver that saw it already can answer 2xx and do nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Fundadmin-Signature"
TIMESTAMP_HEADER = "X-Fundadmin-Timestamp"
DELIVERY_HEADER = "X-Fundadmin-Delivery"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, delivery_id: int | str, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "fundadmin-webhook/1",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: f"sha256={signature(secret, timestamp, body)}",
        DELIVERY_HEADER: str(delivery_id),
    }


def verify(
    secret: str,
    body: bytes,
    *,
    timestamp: str | None,
    signature_header: str | None,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """A receiver's check: the signature matches this body and timestamp, and the timestamp is
    recent. Constant-time comparison, so the answer leaks nothing about the expected value."""
    if not timestamp or not signature_header or not signature_header.startswith("sha256="):
        return False
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - sent_at) > tolerance:
        return False
    return hmac.compare_digest(signature_header.removeprefix("sha256="), signature(secret, timestamp, body))
