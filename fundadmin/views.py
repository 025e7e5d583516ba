from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from .inbox import inbox_items
from .models import RoleAssignment
from .permissions import acting_today, scopes_with
from .roles import ACTING_ROLES, Role
from .workdays import CONVENTION_NOTE, WorkingCalendar

# What a person may start on their own, whatever waits for them: the empty inbox names these and
# links to them (UX.md "An inbox with nothing waiting tells the person what they can do and where").
OWN_WORK = (
    "view_community_records",
    "propose_project",
    "act_for_community",
    "supervise_community",
    "view_committee_records",
    "keep_ledger",
    "oversee_city",
)

INBOX_PAGE = 50  # items a page; the earliest deadlines first


@login_required
def inbox(request):
    calendar = WorkingCalendar()
    today = timezone.localdate()
    items = inbox_items(request.user, calendar)
    # Everything the person must act on is in the list, paged; the counts are over all of it.
    page = Paginator(items, INBOX_PAGE).get_page(request.GET.get("page"))
    roles = list(RoleAssignment.objects.active().filter(user=request.user).select_related("community", "committee"))
    held = {a.role for a in roles}
    return render(
        request,
        "fundadmin/inbox.html",
        {
            "items": [(item, item.is_overdue(today)) for item in page.object_list],
            "page": page,
            "total": len(items),
            "overdue_count": sum(item.is_overdue(today) for item in items),
            "roles": roles,
            "can": {codename: bool(scopes_with(request.user, codename)) for codename in OWN_WORK},
            # The first community and committee the person works for: where the links below go.
            "community": next((r.community for r in roles if r.community_id), None),
            "committee": next((r.committee for r in roles if r.committee_id), None),
            # Acting periods running today that this person is in, either side (代行职责).
            "acting": acting_today(request.user) if held & ACTING_ROLES else [],
            # Who may record one (fundadmin.permissions.acting_principals); the page asks again.
            "may_record_acting": request.user.is_staff or Role.COMMITTEE_SECRETARY in held,
            "convention_note": CONVENTION_NOTE,
            "today": today,
        },
    )
