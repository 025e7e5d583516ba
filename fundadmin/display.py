"""The large-text, high-contrast mode for older residents (适老化, UX.md "Phones and older
residents"). A cookie holds the choice, set by an ordinary link (publicity.views.display_mode),
so it works without JavaScript; the server adds the class ``large-text`` to the page's body."""

from __future__ import annotations

COOKIE = "fundadmin_display"
LARGE = "large"
MAX_AGE = 365 * 24 * 60 * 60


def large_text(request) -> bool:
    return request is not None and request.COOKIES.get(COOKIE) == LARGE


def context(request) -> dict:
    """Template context processor: reads a cookie, never the database."""
    return {"large_text": large_text(request)}
