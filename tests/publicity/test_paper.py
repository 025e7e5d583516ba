"""Paper: the A4 notice and the application-and-approval form render Chinese (a CJK font is
installed and named), carry the QR code's target and the short content hash."""

import datetime as dt
import io
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

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


# -- the QR code carries the address actually served (issue 13, point 9) ---------------------------


def qr_on_page_1(pdf_bytes: bytes) -> str:
    """Rasterise page 1 (poppler's pdftoppm) and read its QR code with zbar (zbar-tools)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "notice.pdf"
        source.write_bytes(pdf_bytes)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(source), f"{folder}/page"], check=True
        )
        (image,) = Path(folder).glob("page*.png")
        found = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True)
        assert found.returncode == 0, f"no QR code on page 1: {found.stderr}"
        return found.stdout.strip()


def _page_texts(pdf_bytes: bytes) -> list[str]:
    return [p.extract_text().replace(" ", "").replace("\n", "") for p in PdfReader(io.BytesIO(pdf_bytes)).pages]


@pytest.mark.django_db(transaction=True)
def test_notice_qr_points_to_the_port_actually_served(live_server, plan_notice):
    # A real server on a port chosen at random, as `PORT=8801 make demo` serves on 8801.
    with urllib.request.urlopen(live_server.url + reverse("publicity:notice_pdf", args=[plan_notice.pk])) as reply:
        body = reply.read()
    expected = live_server.url + reverse("publicity:notice_detail", args=[plan_notice.pk])
    assert qr_on_page_1(body) == expected
    page_1 = _page_texts(body)[0]
    assert expected in page_1  # the address printed beside the code is the same
    assert "扫描左侧二维码" in page_1  # and the sentence that points to it is on the same page
    with urllib.request.urlopen(expected) as reply:
        assert reply.status == 200 and plan_notice.title in reply.read().decode()


@override_settings(PUBLIC_BASE_URL="https://gongshi.example.cn/")
def test_notice_qr_carries_the_configured_public_address(client, plan_notice):
    body = client.get(reverse("publicity:notice_pdf", args=[plan_notice.pk])).content
    assert qr_on_page_1(body) == f"https://gongshi.example.cn/notice/{plan_notice.pk}/"


def test_the_notice_fits_one_a4_page_with_room_to_spare(client, plan_notice):
    pages = _page_texts(client.get(reverse("publicity:notice_pdf", args=[plan_notice.pk])).content)
    assert len(pages) == 1, "the board notice should be one A4 sheet"
    assert "1批" in pages[0] and "1.00批" not in pages[0]  # quantities as a person writes them


# -- the 申请审批表 (issue 13, point 8) -------------------------------------------------------------------

BOXES = ("社区党委意见", "党工委初步意见", "党工委审批意见", "建管委意见", "党工委验收意见")


@pytest.mark.parametrize("padding", range(0, 48, 4))
def test_no_box_of_the_application_form_is_split_across_pages(client, people, fund_year, clock, padding):
    # Longer and shorter descriptions move the boxes down the pages: whatever falls on a page
    # break, each box's label and its signature line stay on the same page.
    clock.to(dt.date(2026, 11, 2))
    description = "\n".join(f"第{n}项：为老楼更换声控灯" for n in range(padding)) or "为3栋老楼更换声控灯"
    project = walk(new_project(people, fund_year, description=description), people, Status.APPROVED, clock)
    client.force_login(people[Role.SUPERVISOR])
    pages = _page_texts(client.get(reverse("publicity:application_form_pdf", args=[project.pk])).content)
    for label in BOXES:
        (where,) = [n for n, text in enumerate(pages) if label in text]
        after = pages[where].split(label, 1)[1]
        assert "签字：" in after, f"{label} is split from its signature line (padding {padding})"


def test_application_form_has_the_signature_blocks_of_the_whole_process(client, people, fund_year, clock):
    from ledger.services import appropriation_record

    appropriation_record(fund_year=fund_year, amount=fund_year.allocation, entry_date=dt.date(2026, 1, 5), by=None)
    clock.to(dt.date(2026, 9, 1))
    project = walk(new_project(people, fund_year), people, Status.CLOSED, clock)
    client.force_login(people[Role.SUPERVISOR])
    text = _text(client.get(reverse("publicity:application_form_pdf", args=[project.pk])))
    invoice = project.invoice
    # Art. 13: the three invoice signatures, in order, each with what the system recorded.
    block = text.split("发票会签", 1)[1]
    assert invoice.number in block
    positions = [block.index(role) for role in ("社区党委书记", "建管委主任", "党工委书记")]
    assert positions == sorted(positions)
    for signature in invoice.signatures.all():
        assert signature.signer.display_name in block
    for expected in ("党工委验收意见", "群众满意度", "财务管理人员签字", "完成情况公示", "备注"):
        assert expected in text, expected
    assert "1批" in text and "1.00批" not in text


def test_application_form_without_an_invoice_has_the_no_invoice_signatures(client, people, fund_year, clock):
    from projects.models import ContractorKind

    clock.to(dt.date(2026, 11, 2))
    project = walk(
        new_project(people, fund_year, contractor_kind=ContractorKind.INDIVIDUAL, contractor_name="王阿姨"),
        people,
        Status.APPROVED,
        clock,
    )
    client.force_login(people[Role.SUPERVISOR])
    text = _text(client.get(reverse("publicity:application_form_pdf", args=[project.pk])))
    assert "发票会签" not in text
    for expected in ("无发票支付", "事前会议决定", "事中签字证明", "领款人签字"):
        assert expected in text, expected


@pytest.mark.parametrize(
    ("stored", "unit", "shown"),
    [("40.00", "米", "40 米"), ("2.50", "小时", "2.5 小时"), ("1", "项", "1 项"), ("0.25", "", "0.25")],
)
def test_quantities_read_as_a_person_writes_them(stored, unit, shown):
    from fundadmin.formats import quantity

    assert quantity(stored, unit) == shown
