"""Floor views: for each main page, a bare view that fetches the same rows with one query and
renders them in a plain table through the same template engine, with no middleware work of its
own. What a page costs above its floor is the price of its features."""

from __future__ import annotations

from django.db.models import Sum
from django.http import Http404
from django.template import engines

TABLE = engines["django"].from_string(
    "<!doctype html><html lang='zh-Hans'><title>floor</title><table>"
    "{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}"
    "</table></html>"
)


def _rows(page: str, q):
    from fundadmin.models import Community, FundYear
    from ledger.models import JournalEntry
    from projects.models import Project
    from publicity.models import Notice

    if page == "index":
        return Community.objects.values_list("committee__name", "name", "code")
    if page == "board":
        return (
            Notice.objects.filter(community__code=q["code"], superseded_by__isnull=True)
            .values_list("pk", "title", "kind", "posted_on", "ends_on")
            .order_by("-posted_on", "-pk")[:30]  # the board shows what is up and one page of the archive
        )
    if page == "notice":
        return Notice.objects.filter(pk=q["pk"]).values_list(
            "title", "snapshot", "posted_on", "ends_on", "community__name"
        )
    if page == "project_public":
        # The public project page lists the project's notices (the budget lines are on the staff
        # page, whose floor is below): the project's facts beside each current notice.
        return Notice.objects.filter(project_id=q["pk"], superseded_by__isnull=True).values_list(
            "project__number",
            "project__title",
            "project__status",
            "project__category__name",
            "project__community__name",
            "title",
            "kind",
            "posted_on",
            "ends_on",
        )
    if page == "project":
        return Project.objects.filter(pk=q["pk"]).values_list(
            "number",
            "title",
            "status",
            "category__name",
            "community__name",
            "budget_lines__item",
            "budget_lines__amount",
        )
    if page == "project_list":
        return (
            Project.objects.filter(community__committee__code=q["committee"])
            .values_list("number", "title", "status", "community__name", "fund_year__year")
            .order_by("-created_at")[:50]  # the list shows a page of 50
        )
    if page == "inbox":
        return Project.objects.filter(community__committee__code=q["committee"], status__in=q["states"]).values_list(
            "number", "title", "status", "community__name"
        )[:200]
    if page == "book":
        return (
            JournalEntry.objects.filter(fund_year__community__code=q["code"], fund_year__year=q["year"])
            .values_list("voucher_no", "entry_date", "summary", "debit", "credit")
            .order_by("entry_date", "voucher_no")
        )
    if page == "timeline":
        from audit.models import AuditEvent

        return (
            AuditEvent.objects.filter(community__code=q["code"])
            .values_list("seq", "created_at", "actor_name", "action", "object_repr")
            .order_by("seq")[:50]  # the timeline shows a page of 50
        )
    if page == "committee":
        return (
            FundYear.objects.filter(community__committee__code=q["committee"], year=q["year"])
            .values_list("community__name", "allocation")
            .annotate(spent=Sum("journal_entries__debit"))
        )
    if page == "findings":
        from supervision.models import Finding

        rows = Finding.objects.order_by("-last_run_id", "-year", "pk")
        if "community" in q:
            rows = rows.filter(community__code=q["community"])
        return rows.values_list("kind", "year", "community__name", "summary")[:200]  # the list's page
    if page == "city":
        return (
            FundYear.objects.filter(year=q["year"])
            .values_list("community__committee__name", "community__name", "allocation")
            .annotate(spent=Sum("journal_entries__debit"))
        )
    raise Http404(page)


def view(request, page: str):
    from django.http import HttpResponse

    q = request.GET.dict()
    if "states" in q:
        q["states"] = q["states"].split(",")
    return HttpResponse(TABLE.render({"rows": list(_rows(page, q))}))
