"""A person's messages (消息): the list, and marking what they have read. Thin views."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from . import services
from .models import Notification
from .selectors import user_notifications

PAGE_SIZE = 20


@login_required
@require_GET
def notification_list(request):
    page = Paginator(user_notifications(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_open(request, pk: int):
    """Mark one message read and go to what it is about (a form button, so no JavaScript is needed
    and reading a link never changes anything)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.notification_read(notification=notification, by=request.user)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    services.notifications_read_all(by=request.user)
    return redirect("notifications:list")
