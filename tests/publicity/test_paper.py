"""Paper: the A4 notice and the application-and-approval form render Chinese (a CJK font is
installed and named), carry the QR code's target and the short content hash."""

import io
import time

import pytest
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from fundadmin.roles import Role
from projects.models import Status
from tests.factories import user_with_role
from tests.projects.helpers import new_project, walk

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "")


@override_settings(PUBLIC_BASE_URL="https://gongshi.example.cn")
def test_notice_pdf_has_the_chinese_title_the_hash_and_the_link(client, plan_notice):
    started = time.monotonic()
    response = client.get(reverse("publicity:notice_pdf", args=[plan_notice.pk]))
    elapsed = time.monotonic() - started
    text = _text(response)
    assert plan_notice.title in text
    assert plan_notice.short_hash in text
    assert f"https://gongshi.example.cn/notice/{plan_notice.pk}/" in text
    assert "2026年10月10日" in text and "当天不计入" in text  # dates in working days, with the convention
    assert "（盖章）" in text and plan_notice.community.applicant_name in text
    assert elapsed < 20, f"rendering took {elapsed:.1f}s"


def test_application_form_pdf_is_filled_and_staff_only(client, people, fund_year, clock):
    clock.to(__import__("datetime").date(2026, 11, 2))
    project = walk(new_project(people, fund_year), people, Status.APPROVED, clock)
    url = reverse("publicity:application_form_pdf", args=[project.pk])
    assert client.get(url).status_code == 302  # login first
    client.force_login(user_with_role(Role.COMMUNITY_SECRETARY, _other()))
    assert client.get(url).status_code == 403
    client.force_login(people[Role.SUPERVISOR])
    text = _text(client.get(url))
    assert "社区党组织服务群众专项经费使用申请审批表" in text
    for expected in (
        project.title,
        "6,000.00元",  # spaces are stripped from the PDF text
        "物业管理服务",
        "声控灯及安装",
        "联席会议",
        "赞成12",
        "公示情况",
        "党工委初步意见",
        "党工委审批意见",
        "班子会议日期",
        "建管委意见",
        "备注",
    ):
        assert expected in text, expected


def _other():
    from tests.factories import CommunityFactory

    return CommunityFactory()
