"""Error pages: Chinese, with the site's header and a way back (UX.md "Words").

A refusal says which permission is missing when the app knows it: ``fundadmin.permissions``
raises ``PermissionDenied`` with a sentence that names it. When the database cannot be reached,
every page says so and asks to retry (503, ``Retry-After``), rendered without the request's
context processors, so rendering it needs no database (no user, no session).
"""

from __future__ import annotations

import logging
import re
import sys

from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme

from . import display

logger = logging.getLogger("fundadmin.errors")

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _said(exception) -> str:
    """The exception's message when it is a sentence meant for a person (ours are Chinese); never
    an internal message such as a URL resolver's."""
    message = exception.args[0] if exception is not None and getattr(exception, "args", None) else ""
    return message if isinstance(message, str) and _CHINESE.search(message) else ""


def _back(request) -> str:
    """Where the visitor came from, when that is this site."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, require_https=request.is_secure()):
        return referer
    return ""


def _page(request, template: str, status: int, **context) -> HttpResponse:
    try:
        # With the request's context: the header shows a signed-in person's own links.
        return render(request, template, {"back": _back(request), **context}, status=status)
    except DATABASE_ERRORS:
        return database_unavailable(request)


def bad_request(request, exception=None):
    return _page(request, "400.html", 400)


def permission_denied(request, exception=None):
    return _page(request, "403.html", 403, reason=_said(exception))


def page_not_found(request, exception=None):
    return _page(request, "404.html", 404, reason=_said(exception), request_path=request.path)


def server_error(request):
    # Also reached when a middleware (the session's, saving) hit the database being down.
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable(request)
    return HttpResponse(render_to_string("500.html", {"large_text": display.large_text(request)}), status=500)


def database_unavailable(request) -> HttpResponse:
    html = render_to_string("503.html", {"large_text": display.large_text(request), "retry": RETRY_AFTER_SECONDS})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 with the page above, not a bare 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.error("database unavailable: %s %s", request.method, request.path, exc_info=exception)
            return database_unavailable(request)
        return None
