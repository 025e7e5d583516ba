"""The in-app list (消息) and the unread count in the header of every staff page."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import event_record
from fundadmin.roles import Role
from notifications import services
from notifications.models import Notification
from projects import services as project_services
from tests.projects.helpers import new_project

pytestmark = pytest.mark.django_db


def fan_out_latest():
    """What the worker does for the newest event (the fan-out itself, without the queue)."""
    services.notify_fan_out(AuditEvent.objects.order_by("-seq").first().pk)


@pytest.fixture
def told(people, fund_year):
    """The proposer (the community secretary) has been told of two steps of the committee's."""
    secretary, member = people[Role.COMMUNITY_SECRETARY], people[Role.COMMITTEE_MEMBER]
    project = new_project(people, fund_year)
    for step in (
        lambda: project_services.project_request_consent(project=project, by=secretary),
        lambda: project_services.project_return_for_revision(project=project, by=member, reason="请补充预算明细"),
        lambda: project_services.project_request_consent(project=project, by=secretary),
        lambda: project_services.project_consent(project=project, by=member, comment=""),
    ):
        step()
        fan_out_latest()
    return project


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_header_shows_the_unread_count_and_the_list_tells_what_happened(told, people):
    client = client_for(people[Role.COMMUNITY_SECRETARY])
    page = client.get(reverse("inbox")).content.decode()
    assert 'aria-label="消息：2 条未读"' in page
    listing = client.get(reverse("notifications:list")).content.decode()
    assert f"{told.number} {told.title}：退回修改" in listing
    assert f"{told.number} {told.title}：初步同意" in listing
    assert "说明：请补充预算明细" in listing and "项目现在：草拟中" in listing
    member = people[Role.COMMITTEE_MEMBER]
    committee = told.community.committee.name
    assert f"{member.display_name}（党工委班子成员，{committee}）初步同意「{told.number} {told.title}」" in listing
    assert listing.index("：初步同意") < listing.index("：退回修改")  # newest first
    assert "报请党工委初步同意" not in listing  # their own steps are not news to them


def test_opening_one_marks_it_read_and_goes_to_the_project(told, people):
    secretary = people[Role.COMMUNITY_SECRETARY]
    client = client_for(secretary)
    first = Notification.objects.filter(recipient=secretary).order_by("occurred_at", "pk").first()
    response = client.post(reverse("notifications:open", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == f"/projects/{told.pk}/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert 'aria-label="消息：1 条未读"' in client.get(reverse("inbox")).content.decode()
    client.post(reverse("notifications:read_all"))
    page = client.get(reverse("inbox")).content.decode()
    assert "条未读" not in page and ">消息</a>" in page


def test_someone_elses_notification_cannot_be_touched(told, people):
    theirs = Notification.objects.filter(recipient=people[Role.COMMUNITY_SECRETARY]).first()
    intruder = client_for(people[Role.FINANCE])
    assert intruder.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    intruder.post(reverse("notifications:read_all"))
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert theirs.title not in intruder.get(reverse("notifications:list")).content.decode()
    with pytest.raises(services.PermissionDenied):
        services.notification_read(notification=theirs, by=people[Role.FINANCE])


def test_post_only_and_login_required(told, people):
    n = Notification.objects.first()
    client = client_for(people[Role.COMMUNITY_SECRETARY])
    assert client.get(reverse("notifications:open", args=[n.pk])).status_code == 405
    assert client.get(reverse("notifications:read_all")).status_code == 405
    assert Client().get(reverse("notifications:list")).status_code == 302
    assert "消息" not in Client().get("/").content.decode().split("</nav>")[0]


def test_an_empty_list_says_what_will_appear(people):
    page = client_for(people[Role.SUPERVISOR]).get(reverse("notifications:list")).content.decode()
    assert "还没有消息" in page and reverse("inbox") in page


def test_the_count_stops_at_99_plus(told, people):
    secretary = people[Role.COMMUNITY_SECRETARY]
    template = Notification.objects.filter(recipient=secretary).first()
    events = [event_record(action="test.bulk", obj=None, object_repr=f"第{i}条") for i in range(100)]
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=secretary, event=e, title="批量", text="批量", occurred_at=e.created_at, url=template.url
            )
            for e in events
        ],
        ignore_conflicts=True,
    )
    assert Notification.objects.filter(recipient=secretary).count() >= 100
    page = client_for(secretary).get(reverse("notifications:list")).content.decode()
    assert 'aria-label="消息：99+ 条未读"' in page
