"""Text that cannot lie (issue 15, reproduction 6): bidirectional controls and zero-width
characters are refused in every text field — beside the field in forms, in the services, and on
every model save — and the trail writes them out visibly when it must keep what was typed."""

import datetime as dt
import importlib
import inspect

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from fundadmin.forms import VisibleTextMixin
from fundadmin.roles import Role
from fundadmin.text import INVISIBLE, optional_text, required_text
from projects.models import Project, Status
from publicity import services as publicity_services
from publicity.models import Notice, Objection
from tests.projects.helpers import Clock, new_project, walk
from tests.projects.test_views import _create_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan_notice(people, fund_year, time_machine):
    project = new_project(people, fund_year)
    walk(project, people, Status.PUBLICITY, Clock(time_machine, start=dt.date(2026, 9, 30)))
    return Notice.objects.get(project=project, kind=Notice.Kind.PLAN)


LYING_TITLE = "社区活动照片\u202egnp.exe\u200b"


@pytest.mark.parametrize("ch", sorted(INVISIBLE))
def test_the_services_refuse_every_hidden_character(ch):
    with pytest.raises(ValidationError) as caught:
        required_text(f"说明{ch}文字", "原因")
    assert caught.value.code == "invisible_character"
    assert f"U+{ord(ch):04X}" in caught.value.messages[0] and "第 3 个字符处" in caught.value.messages[0]
    with pytest.raises(ValidationError):
        optional_text(ch, "备注")


def test_ordinary_chinese_text_passes():
    text = "“两委”联席会议：同意（7票），反对 0 票——详见纪要。\n第二行\t制表"
    assert required_text(text, "纪要") == text.strip()


def test_the_project_form_puts_the_message_beside_the_title(client, people, fund_year):
    """Reproduction 6 through the page a secretary uses."""
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    before = AuditEvent.objects.count()
    response = client.post(reverse("projects:create"), _create_post(fund_year, title=LYING_TITLE))
    assert response.status_code == 200
    form = response.context["form"]
    assert "title" in form.errors and "从右到左强制符 U+202E" in form.errors["title"][0]
    assert not Project.objects.exists() and AuditEvent.objects.count() == before


def test_the_domain_refuses_it_whichever_path_saves_it(people, fund_year):
    """The service (full_clean then save) refuses it too, without the form in front."""
    with pytest.raises(ValidationError) as caught:
        new_project(people, fund_year, title=LYING_TITLE)
    assert "U+202E" in " ".join(caught.value.messages)
    assert not Project.objects.exists()
    project = new_project(people, fund_year)
    project.description = "正常\u200b内容"
    with pytest.raises(ValidationError, match="零宽空格"):
        project.save()
    # A save of other fields is not blocked by what it does not touch.
    Project.objects.filter(pk=project.pk).update(spending_plan="旧数据\u200b")
    project.refresh_from_db()
    project.beneficiary_count = 99
    project.save(update_fields=["beneficiary_count"])


def test_a_residents_objection_is_refused_beside_the_field(client, plan_notice):
    response = client.post(
        reverse("publicity:objection_submit", args=[plan_notice.pk]),
        {"text": "预算\u202e高偏", "name": "", "contact": "", "website": ""},
        REMOTE_ADDR="198.51.100.40",
    )
    assert response.status_code == 400
    assert "改变文字显示方向的控制字符" in response.content.decode()
    assert not Objection.objects.exists()
    with pytest.raises(ValidationError):
        publicity_services.objection_submit(notice=plan_notice, text="预算\u2066偏高")
    assert not Objection.objects.exists()


def test_the_trail_writes_a_strangers_hidden_characters_out():
    Client().post("/accounts/login/", {"username": "admin\u202enimda", "password": "x"})
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.object_repr == "admin[U+202E]nimda"
    assert event.changes == {"username": "admin[U+202E]nimda"}


FORM_MODULES = [
    "projects.forms",
    "publicity.forms",
    "supervision.forms",
    "ledger.forms",
    "supervision.timeline_forms",
    "fundadmin.admin",
]


def test_every_form_of_the_project_refuses_hidden_characters():
    """A new form cannot forget: each form class our apps define carries the mixin."""
    missing = []
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and issubclass(cls, forms.BaseForm) and not issubclass(cls, VisibleTextMixin):
                missing.append(f"{name}.{cls.__name__}")
    assert not missing, missing
