"""A notice is a frozen snapshot; corrections are new versions; withdrawal; the board photo."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from fundadmin.roles import Role
from projects import facts as project_facts
from projects import rules
from projects import services as workflow
from projects.models import Project, Status
from projects.services import project_submit_for_approval
from publicity import services
from publicity.models import Notice
from publicity.selectors import version_chain

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def plan_notice_cleared(project) -> bool:
    """Whether the plan notice has cleared the step to the working committee (projects.rules)."""
    return rules.plan_notice_cleared.reason(project, project_facts.load([project])[0]) is None


def test_project_changes_the_notice_does_not(plan_notice, in_publicity):
    before = (plan_notice.title, plan_notice.snapshot, plan_notice.content_hash)
    Project.objects.filter(pk=in_publicity.pk).update(title="改过的名称", description="改过的内容")
    in_publicity.budget_lines.update(unit_price=99999)
    notice = Notice.objects.get(pk=plan_notice.pk)
    assert (notice.title, notice.snapshot, notice.content_hash) == before
    assert notice.snapshot["title"] == "老旧小区楼道照明改造" and notice.snapshot["amount"] == "6000.00"


def test_notice_save_refuses_a_content_change(plan_notice):
    plan_notice.snapshot = {**plan_notice.snapshot, "amount": "1.00"}
    plan_notice.content_hash = Notice.hash_snapshot(plan_notice.title, plan_notice.snapshot)
    with pytest.raises(ValueError, match="frozen"):
        plan_notice.save()


def test_correction_is_a_new_version_that_says_what_changed(plan_notice, secretary, clock, in_publicity):
    clock.to(dt.date(2026, 10, 8))
    new = services.notice_correct(
        notice=plan_notice, by=secretary, note="受益对象写错了", fields={"beneficiaries": "1至3栋住户"}
    )
    old = Notice.objects.get(pk=plan_notice.pk)
    assert new.version == 2 and new.supersedes_id == old.pk and old.successor == new
    assert old.snapshot["beneficiaries"] == "3栋楼住户"  # the old version stays readable as it was
    assert old.status_on(dt.date(2026, 10, 8)) == "superseded"
    assert new.content_hash != old.content_hash
    assert services.snapshot_changes(old, new) == [("受益对象", "3栋楼住户", "1至3栋住户")]
    # The corrected plan runs its own full period: posted Thu 8 Oct → Fri 9, Sat 10, Mon 12.
    assert (new.posted_on, new.ends_on) == (dt.date(2026, 10, 8), dt.date(2026, 10, 12))
    assert version_chain(old) == version_chain(new) == [old, new]
    clock.to(dt.date(2026, 10, 11))
    assert not plan_notice_cleared(in_publicity)
    clock.to(dt.date(2026, 10, 13))
    project_submit_for_approval(project=in_publicity, by=secretary)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"note": "", "fields": {"beneficiaries": "x"}}, "required"),
        ({"note": "无变化", "fields": {}}, "unchanged"),
        ({"note": "改金额", "fields": {"amount": "1.00"}}, "not_correctable"),
    ],
)
def test_bad_corrections_change_nothing(plan_notice, secretary, kwargs, code):
    with pytest.raises(ValidationError) as err:
        services.notice_correct(notice=plan_notice, by=secretary, **kwargs)
    assert err.value.code == code
    assert Notice.objects.count() == 1


def test_no_correction_after_the_period_or_of_an_old_version(plan_notice, secretary, clock):
    services.notice_correct(notice=plan_notice, by=secretary, note="更正", fields={"description": "新内容"})
    with pytest.raises(ValidationError) as err:
        services.notice_correct(notice=plan_notice, by=secretary, note="再改", fields={"description": "又一版"})
    assert err.value.code == "superseded"
    clock.to(dt.date(2026, 11, 1))
    latest = Notice.objects.current().get()
    with pytest.raises(ValidationError) as err:
        services.notice_correct(notice=latest, by=secretary, note="再改", fields={"description": "又一版"})
    assert err.value.code == "ended"


def test_withdraw_needs_a_reason_and_the_right_role(plan_notice, people, in_publicity, clock):
    with pytest.raises(ValidationError):
        services.notice_withdraw(notice=plan_notice, by=people[Role.COMMUNITY_SECRETARY], reason=" ")
    with pytest.raises(PermissionDenied):
        services.notice_withdraw(notice=plan_notice, by=people[Role.COMMUNITY_MEMBER], reason="张贴错误")
    services.notice_withdraw(notice=plan_notice, by=people[Role.COMMUNITY_SECRETARY], reason="张贴错误")
    plan_notice.refresh_from_db()
    assert plan_notice.status == "withdrawn" and plan_notice.withdrawn_reason == "张贴错误"
    # A withdrawn notice does not count; posting it again starts a full period.
    clock.to(dt.date(2026, 10, 12))
    assert not plan_notice_cleared(in_publicity)
    again = workflow.notice_repost(notice=plan_notice, by=people[Role.COMMUNITY_SECRETARY])
    assert again.posted_on == dt.date(2026, 10, 12) and again.ends_on == dt.date(2026, 10, 15)
    assert Project.objects.get(pk=in_publicity.pk).status == Status.PUBLICITY


def test_board_photo_is_checked_by_content(plan_notice, secretary):
    fake = SimpleUploadedFile("board.png", b"<html>not a photo</html>", content_type="image/png")
    with pytest.raises(ValidationError) as err:
        services.notice_photo_upload(notice=plan_notice, by=secretary, upload=fake)
    assert err.value.code == "bad_type"
    pdf = SimpleUploadedFile("board.jpg", b"%PDF-1.4 ...", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        services.notice_photo_upload(notice=plan_notice, by=secretary, upload=pdf)
    services.notice_photo_upload(
        notice=plan_notice, by=secretary, upload=SimpleUploadedFile("x.bin", PNG, "application/octet-stream")
    )
    plan_notice.refresh_from_db()
    assert plan_notice.board_photo_type == "image/png" and len(plan_notice.board_photo_sha256) == 64
