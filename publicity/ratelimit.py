"""A fixed-window rate limit per client address, kept in Django's cache — no third-party service.

Public forms (objections, needs) take no login; this keeps one address from flooding them. The
window is coarse on purpose: a household sharing one address can still object a few times.
"""

from __future__ import annotations

from django.core.cache import cache

from audit.middleware import get_client_address

LIMITS = {
    # scope: (requests allowed, window in seconds)
    "objection": (5, 3600),
    "need": (5, 3600),
}


def client_key(request) -> str:
    return get_client_address(request) or "unknown"


def allow(request, scope: str) -> bool:
    """Count one attempt for this address; False once it is over the limit for the window."""
    limit, window = LIMITS[scope]
    key = f"publicity:rl:{scope}:{client_key(request)}"
    # add() only sets a missing key, so the window starts at the first attempt and expires whole.
    if cache.add(key, 1, timeout=window):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window)
        return True
    return count <= limit
