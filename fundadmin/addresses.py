"""The address the public reaches the site at: printed in QR codes and PDF footers, and used in
e-mails (UX.md "Paper": the address in a QR code is the address the deployment actually serves).

Production sets ``PUBLIC_BASE_URL`` (production.py refuses to start without it). Elsewhere it is
usually unset, and the address follows the request that asked for the page or PDF — scheme, host
and the port actually served, so ``PORT=8801 make demo`` prints 8801. Without a request (an
e-mail from a cron job) it is 127.0.0.1 on ``$PORT``.
"""

from __future__ import annotations

import os

from django.conf import settings


def public_base_url(request=None) -> str:
    """``https://host[:port]`` without a trailing slash."""
    configured = (settings.PUBLIC_BASE_URL or "").rstrip("/")
    if configured:
        return configured
    if request is not None:
        # The Host header has passed ALLOWED_HOSTS validation by the time a view runs.
        return f"{request.scheme}://{request.get_host()}"
    return f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"


def public_url(path: str, request=None) -> str:
    return public_base_url(request) + path
