from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from .inbox import inbox_items
from .models import RoleAssignment
from .workdays import CONVENTION_NOTE, WorkingCalendar


@login_required
def inbox(request):
    calendar = WorkingCalendar()
    today = timezone.localdate()
    items = inbox_items(request.user, calendar)
    roles = RoleAssignment.objects.active().filter(user=request.user).select_related("community", "committee")
    return render(
        request,
        "fundadmin/inbox.html",
        {
            "items": [(item, item.is_overdue(today)) for item in items],
            "overdue_count": sum(item.is_overdue(today) for item in items),
            "roles": roles,
            "convention_note": CONVENTION_NOTE,
            "today": today,
        },
    )
