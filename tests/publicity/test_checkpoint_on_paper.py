"""Every notice carries the audit checkpoint made when it was published (issue 15): the paper in
the residents' hands, the board and the notice page print the same 本公示发布时全程留痕第 N 号，
摘要 XXXXXXXX, and verify_audit checks the chain against what is typed back in from paper."""

import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent, Checkpoint
from fundadmin.roles import Role
from publicity.models import Notice
from publicity.services import notice_correct, notice_publish_for_project
from tests.conftest import tamper
from tests.projects.helpers import new_project

pytestmark = pytest.mark.django_db

PRINTED = re.compile(r"本公示发布时全程留痕第(?P<seq>\d+)号，摘要(?P<digest>[0-9A-F]{8})")


def test_publication_makes_a_checkpoint_covering_its_own_event(plan_notice):
    publish = AuditEvent.objects.filter(action="notice.publish", object_id=str(plan_notice.pk)).get()
    checkpoint = Checkpoint.objects.get(reason=Checkpoint.Reason.NOTICE, seq=plan_notice.checkpoint_seq)
    assert plan_notice.checkpoint_seq == publish.seq == checkpoint.seq
    assert plan_notice.checkpoint_hash == publish.hash == checkpoint.hash
    assert plan_notice.checkpoint_label == (f"本公示发布时全程留痕第 {publish.seq} 号，摘要 {publish.hash[:8].upper()}")


def test_the_printed_checkpoint_is_read_back_from_the_pdf_and_verified(client, plan_notice):
    response = client.get(reverse("publicity:notice_pdf", args=[plan_notice.pk]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    match = PRINTED.search(text.replace(" ", "").replace("\n", ""))
    assert match, text
    seq, digest = int(match["seq"]), match["digest"]
    assert (seq, digest) == (plan_notice.checkpoint_seq, plan_notice.checkpoint_hash[:8].upper())
    # What a resident types in from the paper agrees with the database ...
    call_command("verify_audit", "--full", "--paper", f"{seq}:{digest}")


@pytest.mark.django_db(transaction=True)
def test_a_database_rewritten_after_publication_contradicts_the_paper(client, plan_notice):
    """... until someone rewrites history: the paper still says what was there."""
    response = client.get(reverse("publicity:notice_pdf", args=[plan_notice.pk]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    match = PRINTED.search(text.replace(" ", "").replace("\n", ""))
    line = f"本公示发布时全程留痕第 {match['seq']} 号，摘要 {match['digest']}"
    # The outbox copies of the signed checkpoints go too (as a superuser would remove them); the
    # paper is the only witness left.
    tamper("DELETE FROM audit_checkpoint")
    tamper("UPDATE audit_auditevent SET hash = %s WHERE seq = %s", ["0" * 64, int(match["seq"])])
    with pytest.raises(CommandError, match=rf"纸质公示上的留痕第 {match['seq']} 号"):
        call_command("verify_audit", "--full", "--paper", line)


def test_the_board_and_the_notice_page_show_the_same_line(client, plan_notice):
    label = plan_notice.checkpoint_label
    board = client.get(reverse("publicity:community_board", args=[plan_notice.community.code])).content.decode()
    page = client.get(reverse("publicity:notice_detail", args=[plan_notice.pk])).content.decode()
    assert label in board and label in page


def test_a_correction_gets_a_checkpoint_of_its_own(plan_notice, people):
    new = notice_correct(
        notice=plan_notice,
        by=people[Role.COMMUNITY_SECRETARY],
        note="更正受益对象",
        fields={"beneficiaries": "全体住户"},
    )
    assert new.checkpoint_seq > plan_notice.checkpoint_seq
    assert Notice.objects.get(pk=new.pk).checkpoint_hash == AuditEvent.objects.get(seq=new.checkpoint_seq).hash


def test_no_notice_goes_up_without_its_checkpoint(people, fund_year, settings):
    """A signing key that cannot be read refuses the publication with a clear message; nothing
    is published (the caller's transaction rolls back)."""
    project = new_project(people, fund_year)
    settings.FUNDADMIN_CHECKPOINT_KEY_FILE = Path("/proc/no-such-place/checkpoint.pem")
    with pytest.raises(ValidationError) as caught, transaction.atomic():
        notice_publish_for_project(project=project, kind=Notice.Kind.PLAN, by=people[Role.COMMUNITY_SECRETARY])
    assert "公示未能发布" in caught.value.messages[0] and "签名密钥" in caught.value.messages[0]
    assert not Notice.objects.exists() and not Checkpoint.objects.exists()
