from django import template

from ..selectors import COUNT_CAP, unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> str:
    """The header's unread count, "" for none and "99+" past the cap; one query per request."""
    request = context.get("request")
    user = context.get("user")
    if request is None or user is None:
        return ""
    if not hasattr(request, "_unread_notifications"):
        n = unread_count(user)
        request._unread_notifications = "" if n == 0 else f"{COUNT_CAP - 1}+" if n >= COUNT_CAP else str(n)
    return request._unread_notifications
