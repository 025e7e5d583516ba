"""The administrator's import pages and the new user's one-time link (issue 14)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from fundadmin import onboarding, services
from fundadmin.models import Community, User
from fundadmin.roles import Role
from tests.factories import CommunityFactory, UserFactory, user_with_role
from tests.fundadmin.test_onboarding import city_rows, workbook
from tests.notifications.helpers import run_worker

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def sysadmin(db):
    user = UserFactory(username="sysadmin")
    services.role_grant(user=user, role=Role.SYSTEM_ADMIN, by=None)
    return User.objects.get(pk=user.pk)


def upload(data: bytes, name: str = "城市.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX)


def test_only_the_system_administrator_reaches_the_pages(client, community):
    urls = [
        reverse("setup:city"),
        reverse("setup:city_template"),
        reverse("setup:city_export"),
        reverse("setup:calendar"),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(user_with_role(Role.COMMITTEE_SECRETARY, community))
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(reverse("setup:city_apply"), {"sha256": "x"}).status_code == 403


def test_apply_is_post_only(client, sysadmin):
    client.force_login(sysadmin)
    assert client.get(reverse("setup:city_apply")).status_code == 405


def test_template_and_export_download(client, sysadmin):
    client.force_login(sysadmin)
    response = client.get(reverse("setup:city_template"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    export = client.get(reverse("setup:city_export"))
    assert export.status_code == 200 and export.content[:2] == b"PK"


@pytest.mark.django_db(transaction=True)  # the links go out on commit, before the page is drawn
def test_upload_previews_then_applies_once(client, sysadmin):
    client.force_login(sysadmin)
    page = client.post(reverse("setup:city"), {"file": upload(workbook())})
    text = page.content.decode()
    assert page.status_code == 200 and "预览：确认后将做以下变动" in text and "确认导入" in text
    assert "桂花社区（guihua，东湖街道社区党工委）" in text and not Community.objects.exists()
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', text).group(1)
    done = client.post(reverse("setup:city_apply"), {"sha256": sha})
    text = done.content.decode()
    assert "已导入“城市.xlsx”" in text and "已向 4 位新用户的邮箱发送设置密码的一次性链接" in text
    assert Community.objects.count() == 2 and mail.outbox == []  # queued for the worker
    assert run_worker() == 4 and len(mail.outbox) == 4
    # The confirmation is spent: pressing it again imports nothing twice.
    again = client.post(reverse("setup:city_apply"), {"sha256": sha}, follow=True)
    assert "没有待确认的导入文件" in again.content.decode()
    assert AuditEvent.objects.filter(action="onboarding.import").count() == 1


def test_a_bad_row_is_shown_with_where_and_what_to_do_and_offers_no_apply(client, sysadmin):
    client.force_login(sysadmin)
    rows = city_rows()
    rows["年度经费"][0][2] = "十万元"
    page = client.post(reverse("setup:city"), {"file": upload(onboarding.build_workbook(rows))})
    text = page.content.decode()
    assert "文件中有 1 处错误" in text and "“年度经费”表 第 2 行" in text and "不是金额" in text
    assert "确认导入" not in text and not Community.objects.exists()


def test_an_unreadable_file_is_a_form_error_not_a_500(client, sysadmin):
    client.force_login(sysadmin)
    page = client.post(reverse("setup:city"), {"file": upload(b"\x00\x01 not a zip", "x.xlsx")})
    assert page.status_code == 200 and "无法读取该文件" in page.content.decode()
    empty = client.post(reverse("setup:city"), {})
    assert "请选择要上传的 Excel 文件" in empty.content.decode()


def test_a_file_that_matches_the_system_says_so(client, sysadmin):
    onboarding.city_import(data=workbook(), by=sysadmin, apply=True)
    client.force_login(sysadmin)
    text = client.post(reverse("setup:city"), {"file": upload(workbook())}).content.decode()
    assert "没有需要导入的变动" in text and "确认导入" not in text


def _link(message) -> str:
    return re.search(r"https?://\S+/accounts/welcome/\S+/", message.body).group(0).split("://", 1)[1].split("/", 1)[1]


@pytest.mark.django_db(transaction=True)
def test_the_one_time_link_sets_the_password_once(client, sysadmin):
    onboarding.city_import(data=workbook(), by=sysadmin, apply=True)
    assert run_worker() == 4  # the worker mails the links (issue 14: off the request)
    message = next(m for m in mail.outbox if m.to == ["wangfang@example.gov.cn"])
    assert "密码" in message.body and not re.search(r"密码[:：]\s*\S", message.body)  # no password in it
    link = "/" + _link(message)
    user = User.objects.get(username="wang_fang")
    assert not user.has_usable_password()
    form = client.get(link, follow=True)
    assert "设置您的登录密码" in form.content.decode() and "wang_fang" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "Guihua-2026-spring", "new_password2": "Guihua-2026-spring"}
    )
    assert done.status_code == 302 and done["Location"] == reverse("login")
    assert User.objects.get(pk=user.pk).check_password("Guihua-2026-spring")
    assert AuditEvent.objects.filter(action="user.password_set", actor=user).count() == 1
    # Used once: the same link no longer works, and the password stays.
    client.logout()
    spent = client.get(link, follow=True).content.decode()
    assert "此链接已失效" in spent
    assert User.objects.get(pk=user.pk).check_password("Guihua-2026-spring")


def test_a_forged_link_does_nothing(client, sysadmin):
    user = UserFactory(username="target")
    page = client.get(reverse("password_set", args=["MQ", "abc-123"]))
    assert page.status_code == 200 and "此链接已失效" in page.content.decode()
    assert User.objects.get(pk=user.pk).check_password("pw")


@pytest.mark.django_db(transaction=True)
def test_the_admin_resends_the_link_only_to_who_has_not_set_a_password(client, sysadmin):
    admin_user = User.objects.create_superuser("root", "root@example.gov.cn", "pw")
    waiting = User.objects.create(username="new", full_name="新人", email="new@example.gov.cn")
    waiting.set_unusable_password()
    waiting.save()
    settled = UserFactory(username="old", email="old@example.gov.cn")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:fundadmin_user_changelist"),
        {"action": "send_password_link", "_selected_action": [waiting.pk, settled.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "已向 1 位用户发送设置密码的链接：new" in text and "未发送（已设置密码或没有电子邮箱）：old" in text
    assert mail.outbox == []  # queued: the worker mails it, off the request
    assert run_worker() == 1
    assert [m.to for m in mail.outbox] == [["new@example.gov.cn"]]


def test_admin_index_links_to_the_imports(admin_client):
    text = admin_client.get(reverse("admin:index")).content.decode()
    assert reverse("setup:city") in text and reverse("setup:calendar") in text


def test_a_community_secretary_cannot_use_the_link_machinery_to_import(client, community):
    client.force_login(user_with_role(Role.COMMUNITY_SECRETARY, community))
    response = client.post(reverse("setup:city"), {"file": upload(workbook())})
    assert response.status_code == 403 and not Community.objects.exclude(pk=community.pk).exists()
    assert CommunityFactory._meta.model.objects.count() == 1
