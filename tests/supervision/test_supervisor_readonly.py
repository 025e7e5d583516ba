"""Art. 14: the supervision committee reads everything of its own community and writes nothing but
opinions. Every write URL of the system, POSTed by a supervisor, is refused and leaves no trace."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from fundadmin.roles import Role
from ledger.models import JournalEntry
from projects.actions import PAGE_STEPS
from projects.models import Document, Status
from publicity.models import Notice, Objection
from publicity.services import need_record, objection_submit
from supervision.models import AnnualReport, Opinion
from supervision.services import annual_report_submit, opinion_record
from tests.projects.helpers import PDF, new_project, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(people, fund_year, clock):
    closed = walk(new_project(people, fund_year), people, Status.CLOSED, clock)
    live = walk(new_project(people, fund_year, title="第二个项目"), people, Status.PUBLICITY, clock)
    notice = Notice.objects.get(project=live, kind=Notice.Kind.PLAN)
    objection = objection_submit(notice=notice, text="有异议")
    need = need_record(
        community=fund_year.community, by=people[Role.COMMUNITY_SECRETARY], channel="door_to_door", content="需求"
    )
    opinion = opinion_record(
        community=fund_year.community,
        by=people[Role.SUPERVISOR],
        subject="project",
        addressed_to="community",
        text="请说明",
        project=closed,
    )
    report = annual_report_submit(fund_year=fund_year, by=people[Role.COMMUNITY_SECRETARY], narrative="总结")
    return {
        "closed": closed,
        "live": live,
        "notice": notice,
        "objection": objection,
        "need": need,
        "opinion": opinion,
        "report": report,
        "entry": JournalEntry.objects.filter(project=closed).first(),
        "document": Document.objects.filter(project=closed).first(),
    }


def _write_urls(w, community, year):
    c = community.code
    urls = [
        reverse("projects:create"),
        reverse("projects:edit", args=[w["live"].pk]),
        reverse("projects:document_upload", args=[w["live"].pk]),
        reverse("ledger:entry_reverse", args=[w["entry"].pk]),
        reverse("ledger:appropriation_new", args=[c, year]),
        reverse("ledger:fund_year_close", args=[c, year]),
        reverse("publicity:notice_correct", args=[w["notice"].pk]),
        reverse("publicity:notice_withdraw", args=[w["notice"].pk]),
        reverse("projects:notice_repost", args=[w["notice"].pk]),
        reverse("publicity:notice_photo_upload", args=[w["notice"].pk]),
        reverse("publicity:objection_answer", args=[w["objection"].pk]),
        reverse("projects:objection_decide", args=[w["objection"].pk]),
        reverse("publicity:need_record", args=[c]),
        reverse("publicity:annual_review", args=[c, year]),
        reverse("supervision:opinion_answer", args=[w["opinion"].pk]),
        reverse("supervision:report_evaluate", args=[w["report"].pk]),
        reverse("supervision:report_prepare", args=[c, year + 1]),
    ]
    urls.append(reverse("publicity:need_not_adopted", args=[w["need"].pk]))
    return urls


SOFT_REFUSALS = ("/documents/", "/correct/", "/photo/", "/decide/", "/needs/new/", "/annual/")

FORM = {
    "answer": "x",
    "decision": "x",
    "reason": "x",
    "comments": "x",
    "score": "90",
    "narrative": "x",
    "amount": "1.00",
    "entry_date": "2026-09-01",
    "kind": "other",
    "upheld": "on",
    "content": "x",
    "channel": "door_to_door",
    "text": "x",
}


def test_supervisor_posts_to_write_urls_are_refused(client, world, people, fund_year):
    supervisor = people[Role.SUPERVISOR]
    client.force_login(supervisor)
    events = AuditEvent.objects.count()
    statuses = {}
    for url in _write_urls(world, fund_year.community, fund_year.year):
        data = {**FORM, "file": SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")}
        response = client.post(url, data)
        statuses[url] = response.status_code
    refused = {url for url, status in statuses.items() if status in (403, 404)}
    # These views validate the form before the service checks the permission, so they answer with
    # the form's errors (400) or a redirect with the refusal as a message (302). Nothing is
    # written either way (the trail below proves it); reported to their owners to answer 403.
    soft = {url for url in statuses if any(part in url for part in SOFT_REFUSALS)}
    assert set(statuses) - refused <= soft, {u: statuses[u] for u in set(statuses) - refused - soft}
    assert all(statuses[url] in (302, 400, 403, 404) for url in soft)
    assert AuditEvent.objects.count() == events
    assert Opinion.objects.get().is_open and AnnualReport.objects.count() == 1
    assert Objection.objects.get().state == Objection.State.OPEN


def test_supervisor_cannot_take_any_project_step(client, world, people):
    """The project's action pages re-show the form with the refusal (200) or send the person back
    (302); either way nothing is written."""
    client.force_login(people[Role.SUPERVISOR])
    events = AuditEvent.objects.count()
    for project in (world["live"], world["closed"]):
        status = project.status
        for name in PAGE_STEPS:
            response = client.post(reverse("projects:act", args=[project.pk, name]), FORM)
            assert response.status_code in (200, 302, 403, 404), name
        project.refresh_from_db()
        assert project.status == status
    assert AuditEvent.objects.count() == events


def test_supervisor_reads_own_community_only(client, world, people, other_supervisor):
    client.force_login(people[Role.SUPERVISOR])
    closed = world["closed"]
    for url in (
        reverse("projects:detail", args=[closed.pk]),
        reverse("supervision:timeline", args=[closed.community.code]) + f"?project={closed.pk}",
        reverse("supervision:opinion_list", args=[closed.community.code]),
        reverse("supervision:report_detail", args=[world["report"].pk]),
        reverse("ledger:book", args=[closed.community.code, 2026]),
    ):
        assert client.get(url).status_code == 200, url
    client.force_login(other_supervisor)
    for url in (
        reverse("projects:detail", args=[closed.pk]),
        reverse("supervision:timeline", args=[closed.community.code]),
        reverse("supervision:opinion_list", args=[closed.community.code]),
        reverse("supervision:opinion_detail", args=[world["opinion"].pk]),
        reverse("supervision:report_detail", args=[world["report"].pk]),
        reverse("supervision:dossier_pdf", args=[closed.pk]),
        reverse("ledger:book", args=[closed.community.code, 2026]),
    ):
        assert client.get(url).status_code in (403, 404), url
    response = client.post(
        reverse("supervision:opinion_new", args=[closed.community.code]),
        {"subject": "project", "project": closed.pk, "addressed_to": "community", "text": "越界"},
    )
    assert response.status_code in (403, 404) and Opinion.objects.count() == 1
