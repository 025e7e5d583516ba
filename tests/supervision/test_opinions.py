"""Art. 14: supervision opinions — recorded by supervisors, answered by the body addressed."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from fundadmin.roles import Role
from fundadmin.workdays import WorkingCalendar
from projects.models import Status
from publicity.models import Notice
from supervision import inbox, services
from supervision.models import Opinion
from supervision.selectors import opinions_for_project
from tests.projects.helpers import new_project, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(people, fund_year, clock):
    return walk(new_project(people, fund_year), people, Status.PUBLICITY, clock)


def _record(project, by, **kw):
    args = {"subject": Opinion.Subject.PROJECT, "addressed_to": Opinion.Addressee.COMMUNITY, "text": "请说明比价情况"}
    args.update(kw)
    return services.opinion_record(community=project.community, by=by, project=project, **args)


def test_supervisor_records_an_opinion_with_one_event(project, supervisor):
    before = AuditEvent.objects.count()
    opinion = _record(project, supervisor)
    event = AuditEvent.objects.get(seq__gt=before)
    assert event.action == "opinion.record" and event.project_id == project.pk
    assert event.community == project.community and event.actor == supervisor
    assert opinion.is_open and opinions_for_project(project) == [opinion]


@pytest.mark.parametrize("role", [r for r in Role if r not in (Role.SUPERVISOR, Role.SYSTEM_ADMIN)])
def test_only_supervisors_record_opinions(project, people, role):
    with pytest.raises(PermissionDenied):
        _record(project, people[role])
    assert not Opinion.objects.exists()


def test_supervisor_of_another_community_cannot(project, other_supervisor):
    with pytest.raises(PermissionDenied):
        _record(project, other_supervisor)


def test_empty_text_is_refused_in_chinese(project, supervisor):
    with pytest.raises(ValidationError, match="请填写监督意见"):
        _record(project, supervisor, text="  ")
    assert not Opinion.objects.exists()


def test_opinion_on_a_notice_and_on_a_payment(project, supervisor, people, clock):
    notice = Notice.objects.get(project=project, kind=Notice.Kind.PLAN)
    on_notice = services.opinion_record(
        community=project.community,
        by=supervisor,
        subject=Opinion.Subject.NOTICE,
        addressed_to=Opinion.Addressee.COMMITTEE,
        text="公示未张贴在公示栏显著位置",
        notice=notice,
    )
    assert on_notice.project == project and on_notice in opinions_for_project(project)
    with pytest.raises(ValidationError, match="尚未结算"):
        _record(project, supervisor, subject=Opinion.Subject.SETTLEMENT)
    clock.after(7)  # the plan notice's 3 working days (Art. 10)
    walk(project, people, Status.PAID, clock)
    paid = _record(project, supervisor, subject=Opinion.Subject.SETTLEMENT)
    assert paid.settlement == project.settlement


@pytest.mark.parametrize(
    ("addressee", "answerer", "refused"),
    [
        (Opinion.Addressee.COMMUNITY, Role.COMMUNITY_SECRETARY, Role.COMMITTEE_SECRETARY),
        (Opinion.Addressee.COMMITTEE, Role.COMMITTEE_MEMBER, Role.COMMUNITY_SECRETARY),
    ],
)
def test_the_addressed_body_answers_once(project, supervisor, people, addressee, answerer, refused):
    opinion = _record(project, supervisor, addressed_to=addressee)
    for role in (refused, Role.SUPERVISOR, Role.FINANCE):
        with pytest.raises(PermissionDenied):
            services.opinion_answer(opinion=opinion, by=people[role], answer="已核实")
    before = AuditEvent.objects.count()
    services.opinion_answer(opinion=opinion, by=people[answerer], answer="已核实，比价记录已补充")
    assert [e.action for e in AuditEvent.objects.filter(seq__gt=before)] == ["opinion.answer"]
    opinion.refresh_from_db()
    assert not opinion.is_open and opinion.answered_by == people[answerer]
    with pytest.raises(ValidationError, match="已答复"):
        services.opinion_answer(opinion=opinion, by=people[answerer], answer="再答一次")


def test_an_opinion_cannot_be_edited_or_deleted(project, supervisor):
    opinion = _record(project, supervisor)
    opinion.text = "改过"
    with pytest.raises(ValidationError):
        opinion.save()
    with pytest.raises(ValidationError):
        opinion.delete()


def test_open_opinions_are_in_the_right_inboxes(project, supervisor, people):
    to_community = _record(project, supervisor)
    to_committee = _record(project, supervisor, addressed_to=Opinion.Addressee.COMMITTEE)
    calendar = WorkingCalendar()

    def urls(role):
        return {i.url for i in inbox.inbox_items(people[role], calendar) if i.action == "答复监督意见"}

    community_url = reverse("supervision:opinion_detail", args=[to_community.pk])
    committee_url = reverse("supervision:opinion_detail", args=[to_committee.pk])
    assert urls(Role.COMMUNITY_SECRETARY) == {community_url}
    assert urls(Role.COMMITTEE_MEMBER) == {committee_url}
    assert urls(Role.SUPERVISOR) == set() and urls(Role.FINANCE) == set()
    services.opinion_answer(opinion=to_community, by=people[Role.COMMUNITY_SECRETARY], answer="已说明")
    assert urls(Role.COMMUNITY_SECRETARY) == set()


def test_views_record_and_answer(client, project, supervisor, people):
    client.force_login(supervisor)
    url = reverse("supervision:opinion_new", args=[project.community.code])
    assert client.get(url + f"?project={project.pk}").status_code == 200
    response = client.post(
        url, {"subject": "project", "project": project.pk, "addressed_to": "community", "text": "请公开比价"}
    )
    opinion = Opinion.objects.get()
    assert response.status_code == 302 and response.url == reverse("supervision:opinion_detail", args=[opinion.pk])
    answer_url = reverse("supervision:opinion_answer", args=[opinion.pk])
    assert client.post(answer_url, {"answer": "我自己答"}).status_code == 403
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    assert client.get(answer_url).status_code == 405
    response = client.post(answer_url, {"answer": ""})
    assert response.status_code == 400 and "请填写答复。" in response.content.decode()
    assert "这个字段是必填项" not in response.content.decode()  # the message names the field
    assert client.post(answer_url, {"answer": "比价记录见附件"}).status_code == 302
    opinion.refresh_from_db()
    assert opinion.answer == "比价记录见附件"
    page = client.get(reverse("supervision:opinion_detail", args=[opinion.pk])).content.decode()
    assert "比价记录见附件" in page and "已答复" in page


def test_invalid_form_changes_nothing(client, project, supervisor):
    client.force_login(supervisor)
    url = reverse("supervision:opinion_new", args=[project.community.code])
    response = client.post(url, {"subject": "notice", "addressed_to": "community", "text": "x"})
    assert response.status_code == 200 and "请选择公示" in response.content.decode()
    assert not Opinion.objects.exists()


def test_odd_digits_in_the_prefill_parameters_are_ignored_not_a_500(client, project, supervisor):
    client.force_login(supervisor)
    url = reverse("supervision:opinion_new", args=[project.community.code])
    for value in ("²", "①", "1e3", "-1", "%00"):  # str.isdigit() accepts "²", int() does not
        assert client.get(url, {"project": value, "notice": value}).status_code == 200, value
