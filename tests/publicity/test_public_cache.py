"""The public pages keep their rendered content in the cache, keyed on what they show
(publicity.fingerprints): every change is on the page at the very next request, whatever was
cached before it. Each test renders the pages first, so that a stale copy would be served."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import services as workflow
from projects.models import Status
from publicity import fingerprints, services
from publicity.models import Notice
from tests.projects.helpers import walk

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _no_expiry(monkeypatch):
    # The tests travel in time; a cached copy must not merely have expired for them to pass.
    monkeypatch.setattr(fingerprints, "TTL", 10 * 365 * 24 * 3600)


def _urls(notice: Notice) -> dict[str, str]:
    return {
        "index": reverse("publicity:index"),
        "board": reverse("publicity:community_board", args=[notice.community.code]),
        "notice": reverse("publicity:notice_detail", args=[notice.pk]),
        "project": reverse("publicity:project_public", args=[notice.project_id]),
    }


def _pages(client, urls: dict[str, str]) -> dict[str, str]:
    out = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, url
        out[name] = response.content.decode()
    return out


def _status(project) -> str:
    project.refresh_from_db()
    return f"<dt>办理情况</dt><dd>{project.get_status_display()}</dd>"


def test_a_cached_page_reads_only_its_key(client, plan_notice):
    for url in _urls(plan_notice).values():
        first = client.get(url).content.decode()
        with CaptureQueriesContext(connection) as queries:
            again = client.get(url).content.decode()
        assert CSRF.sub("", again) == CSRF.sub("", first)  # the token is masked afresh each time
        assert len(queries) <= 2, (url, [q["sql"] for q in queries])


def test_a_withdrawal_shows_at_once(client, plan_notice, secretary):
    urls = _urls(plan_notice)
    before = _pages(client, urls)
    assert "1 项正在公示" in before["index"] and "公示中" in before["notice"] and "提交异议" in before["notice"]
    services.notice_withdraw(notice=plan_notice, by=secretary, reason="金额有误，撤下重拟")
    after = _pages(client, urls)
    assert "正在公示" not in after["index"]
    assert "已撤下" in after["board"] and "目前没有正在公示的内容" in after["board"]
    assert "金额有误，撤下重拟" in after["notice"] and "提交异议" not in after["notice"]
    assert "已撤下" in after["project"]


def test_a_correction_shows_at_once_on_every_version(client, plan_notice, secretary):
    urls = _urls(plan_notice)
    before = _pages(client, urls)
    assert "该版本已被更正" not in before["notice"]
    new = services.notice_correct(
        notice=plan_notice,
        by=secretary,
        note="更正受益对象",
        fields={"beneficiaries": "全体居民"},
        title="更正后的标题",
    )
    after = _pages(client, urls)
    assert "该版本已被更正" in after["notice"] and reverse("publicity:notice_detail", args=[new.pk]) in after["notice"]
    assert "更正后的标题" in after["board"] and "更正版" in after["board"]
    assert "更正后的标题" in after["project"]
    assert "全体居民" in after["project"]


def test_an_objection_and_its_handling_show_at_once(client, plan_notice, secretary, committee_member):
    url = reverse("publicity:notice_detail", args=[plan_notice.pk])
    assert "没有收到异议" in client.get(url).content.decode()
    objection = services.objection_submit(notice=plan_notice, text="预算偏高，请说明")
    assert "预算偏高，请说明" in client.get(url).content.decode()
    services.objection_answer(objection=objection, by=secretary, answer="已三家比价")
    assert "已三家比价" in client.get(url).content.decode()
    workflow.objection_decide(objection=objection, by=committee_member, upheld=False, decision="比价齐全，不成立")
    assert "比价齐全，不成立" in client.get(url).content.decode()


def test_an_upheld_objection_moots_the_others_at_once(client, plan_notice, in_publicity, secretary, committee_member):
    upheld = services.objection_submit(notice=plan_notice, text="选址不合理")
    services.objection_submit(notice=plan_notice, text="另一个问题")
    services.objection_answer(objection=upheld, by=secretary, answer="已研究")
    urls = _urls(plan_notice)
    before = _pages(client, urls)
    assert "方案已退回，一并办结" not in before["notice"]
    workflow.objection_decide(objection=upheld, by=committee_member, upheld=True, decision="选址须重新论证")
    after = _pages(client, urls)
    assert "方案已退回，一并办结" in after["notice"] and "选址须重新论证" in after["notice"]
    assert "已撤下" in after["board"]
    assert _status(in_publicity) in after["project"] and in_publicity.status != Status.PUBLICITY


def test_a_board_photo_shows_at_once(client, plan_notice, secretary):
    url = reverse("publicity:notice_detail", args=[plan_notice.pk])
    assert "公示栏张贴照片" not in client.get(url).content.decode()
    services.notice_photo_upload(notice=plan_notice, by=secretary, upload=SimpleUploadedFile("b.png", PNG, "image/png"))
    assert reverse("publicity:notice_photo", args=[plan_notice.pk]) in client.get(url).content.decode()


def test_the_project_page_follows_the_process(client, in_publicity, plan_notice, people, clock):
    url = reverse("publicity:project_public", args=[in_publicity.pk])
    assert _status(in_publicity) in client.get(url).content.decode()
    clock.to(dt.date(2026, 10, 12))
    walk(in_publicity, people, Status.SUBMITTED, clock)
    assert _status(in_publicity) in client.get(url).content.decode()


def test_a_need_answered_shows_at_once(client, in_publicity, plan_notice):
    url = reverse("publicity:project_public", args=[in_publicity.pk])
    assert "回应的居民诉求" not in client.get(url).content.decode()
    need = services.need_record(community=in_publicity.community, content="楼道太黑", channel="online")
    in_publicity.needs.add(need)
    assert "楼道太黑" in client.get(url).content.decode()
    in_publicity.needs.remove(need)
    assert "楼道太黑" not in client.get(url).content.decode()


def test_the_date_moves_the_status(client, plan_notice, clock):
    urls = _urls(plan_notice)
    before = _pages(client, urls)
    assert "公示中" in before["notice"] and "提交异议" in before["notice"]
    clock.to(dt.date(2026, 10, 11))
    after = _pages(client, urls)
    assert "公示期满" in after["notice"] and "提交异议" not in after["notice"]
    assert "目前没有正在公示的内容" in after["board"] and "正在公示 ·" not in after["index"]


def test_a_renamed_community_shows_at_once(client, plan_notice):
    urls = _urls(plan_notice)
    _pages(client, urls)
    community = plan_notice.community
    community.name = "改名后的社区"
    community.save()
    for name, page in _pages(client, urls).items():
        assert "改名后的社区" in page, name


def test_the_index_counts_what_up_on_finds(plan_notice, secretary, people, clock):
    from collections import Counter

    corrected = services.notice_correct(notice=plan_notice, by=secretary, note="更正", fields={"beneficiaries": "全体"})
    services.notice_withdraw(notice=corrected, by=secretary, reason="撤下")
    workflow.notice_repost(notice=corrected, by=secretary)
    assert Notice.objects.count() == 3
    seen = 0
    for day in (dt.date(2026, 9, 29), dt.date(2026, 9, 30), dt.date(2026, 10, 12), dt.date(2026, 10, 20)):
        expected = Counter(Notice.objects.up_on(day).values_list("community_id", flat=True))
        assert fingerprints.up_counts(day) == dict(expected), day
        seen += sum(expected.values())
    assert seen  # the repost is up on some of those days; the old versions never are


def test_the_archive_page_is_read_as_the_paginator_reads_it(client, plan_notice, clock):
    clock.to(dt.date(2026, 10, 11))
    url = reverse("publicity:community_board", args=[plan_notice.community.code])
    for page in ("", "1", "abc", "0", "-3", "99999", "1.5"):
        response = client.get(url, {"page": page} if page else {})
        assert response.status_code == 200 and plan_notice.title in response.content.decode(), page


def test_the_cached_content_carries_nothing_of_the_visitor(client, plan_notice, secretary):
    url = reverse("publicity:notice_detail", args=[plan_notice.pk])
    staff = Client()
    staff.force_login(secretary)
    assert "退出" in staff.get(url).content.decode()
    page = client.get(url).content.decode()
    assert "退出" not in page and secretary.display_name not in page and "工作人员登录" in page


def test_every_visitor_gets_a_form_with_their_own_csrf_token(plan_notice):
    url = reverse("publicity:notice_detail", args=[plan_notice.pk])
    submit = reverse("publicity:objection_submit", args=[plan_notice.pk])
    for address in ("10.0.0.1", "10.0.0.2"):
        visitor = Client(enforce_csrf_checks=True)
        page = visitor.get(url).content.decode()
        token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        response = visitor.post(
            submit, {"text": "请说明", "website": "", "csrfmiddlewaretoken": token}, REMOTE_ADDR=address
        )
        assert response.status_code == 302


def test_the_fragments_stay_in_the_worker_and_the_shared_cache_keeps_the_counts(client, plan_notice):
    """Production shares "default" among app servers (Redis or the database); the fragments go to
    the per-process "template_fragments" cache instead (fundadmin/settings/cluster.py), so a
    cached public page costs no round trip and a Redis outage does not reach the public pages."""
    from django.core.cache import caches

    for url in _urls(plan_notice).values():
        assert client.get(url).status_code == 200
    fragments, default = caches["template_fragments"], caches["default"]
    assert fragments is not default
    assert len(fragments._cache) >= 4  # one per page at least
    assert not any("template.cache" in key for key in default._cache)
