"""Objections hold the project (Art. 10): no early exit from 公示; the community answers; the
working committee decides upheld (back to proposal or shelved) or dismissed (the process goes on)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from audit.services import chain_verify
from projects import services as workflow
from projects.models import Status
from projects.services import project_submit_for_approval
from publicity import services
from publicity.models import Notice, Objection
from tests.projects.helpers import fresh

pytestmark = pytest.mark.django_db


def _submit(project, by):
    return project_submit_for_approval(project=project, by=by)


def test_no_early_exit_from_publicity(in_publicity, secretary, clock):
    # Every day of the period — holidays, the adjusted Saturday, its last day — refuses.
    day = dt.date(2026, 9, 30)
    while day <= dt.date(2026, 10, 10):
        clock.to(day)
        with pytest.raises(ValidationError) as err:
            _submit(in_publicity, secretary)
        assert "2026年10月10日" in err.value.messages[0]
        assert fresh(in_publicity).status == Status.PUBLICITY
        day += dt.timedelta(days=1)
    clock.to(dt.date(2026, 10, 11))
    _submit(in_publicity, secretary)
    assert fresh(in_publicity).status == Status.SUBMITTED


def test_open_objection_holds_the_project_until_dismissed(
    in_publicity, plan_notice, secretary, committee_member, clock
):
    clock.to(dt.date(2026, 10, 9))
    objection = services.objection_submit(notice=plan_notice, text="价格偏高", name="王某", contact="13800000000")
    clock.to(dt.date(2026, 10, 12))
    with pytest.raises(ValidationError, match="异议"):
        _submit(in_publicity, secretary)
    services.objection_answer(objection=objection, by=secretary, answer="价格经三家比价确定")
    with pytest.raises(ValidationError, match="异议"):
        _submit(in_publicity, secretary)  # answered is still open: the committee has not decided
    workflow.objection_decide(
        objection=objection, by=committee_member, upheld=False, decision="比价材料齐全，异议不成立"
    )
    assert Objection.objects.get(pk=objection.pk).state == Objection.State.DISMISSED
    _submit(in_publicity, secretary)
    assert fresh(in_publicity).status == Status.SUBMITTED
    actions = set(AuditEvent.objects.filter(project_id=in_publicity.pk).values_list("action", flat=True))
    assert {"objection.submit", "objection.answer", "objection.dismiss"} <= actions
    assert chain_verify().ok


@pytest.mark.parametrize(("shelve", "status"), [(False, Status.DRAFT), (True, Status.SHELVED)])
def test_upheld_objection_sends_the_plan_back(in_publicity, plan_notice, secretary, committee_member, shelve, status):
    upheld = services.objection_submit(notice=plan_notice, text="选址不合理")
    other = services.objection_submit(notice=plan_notice, text="另一个问题")
    services.objection_answer(objection=upheld, by=secretary, answer="已研究")
    workflow.objection_decide(
        objection=upheld, by=committee_member, upheld=True, shelve=shelve, decision="选址须重新论证"
    )
    assert fresh(in_publicity).status == status
    upheld.refresh_from_db()
    other.refresh_from_db()
    notice = Notice.objects.get(pk=plan_notice.pk)
    assert upheld.state == Objection.State.UPHELD and upheld.remedy == ("shelve" if shelve else "revise")
    # The other objection cannot hold the next notice for ever; the posted plan comes down.
    assert other.state == Objection.State.MOOT
    assert notice.withdrawn_at is not None and "选址须重新论证" in notice.withdrawn_reason


def test_committee_decides_only_after_the_community_answers(plan_notice, committee_member):
    objection = services.objection_submit(notice=plan_notice, text="有疑问")
    with pytest.raises(ValidationError) as err:
        workflow.objection_decide(objection=objection, by=committee_member, upheld=False, decision="不成立")
    assert err.value.code == "not_answered"


def test_wrong_roles_are_refused(plan_notice, people, other_community):
    from fundadmin.roles import Role
    from tests.factories import user_with_role

    objection = services.objection_submit(notice=plan_notice, text="有疑问")
    with pytest.raises(PermissionDenied):
        services.objection_answer(objection=objection, by=people[Role.COMMITTEE_MEMBER], answer="x")
    outsider = user_with_role(Role.COMMUNITY_SECRETARY, other_community)
    with pytest.raises(PermissionDenied):
        services.objection_answer(objection=objection, by=outsider, answer="x")
    services.objection_answer(objection=objection, by=people[Role.COMMUNITY_SECRETARY], answer="已答复")
    with pytest.raises(PermissionDenied):
        workflow.objection_decide(objection=objection, by=people[Role.COMMUNITY_SECRETARY], upheld=False, decision="x")
    assert Objection.objects.get(pk=objection.pk).state == Objection.State.ANSWERED


def test_no_objection_after_the_period(plan_notice, clock):
    clock.to(dt.date(2026, 10, 11))
    with pytest.raises(ValidationError) as err:
        services.objection_submit(notice=plan_notice, text="晚了")
    assert err.value.code == "not_up"
    assert not Objection.objects.exists()


@pytest.mark.parametrize(
    ("text", "name", "code"), [("", "", "required"), ("字" * 2001, "", "too_long"), ("ok", "名" * 51, "too_long")]
)
def test_objection_lengths_are_limited(plan_notice, text, name, code):
    with pytest.raises(ValidationError) as err:
        services.objection_submit(notice=plan_notice, text=text, name=name)
    assert err.value.code == code
    assert not Objection.objects.exists()


def test_trail_never_names_the_objector(plan_notice):
    services.objection_submit(notice=plan_notice, text="有疑问", name="赵秘密", contact="13912345678")
    event = AuditEvent.objects.get(action="objection.submit")
    assert "赵秘密" not in str(event.changes) + event.object_repr + event.actor_name
    assert "13912345678" not in str(event.changes)
