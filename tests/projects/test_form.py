"""The new-project form without JavaScript: rows are added and removed by submit buttons that show
the form again with everything typed kept; the only open fund year is chosen; the small-group
justification is still required by the server when the box is ticked (issue 13, point 5)."""

import pytest
from django.urls import reverse

from fundadmin.roles import Role
from projects.models import Project
from tests.factories import FundYearFactory

from .test_views import _create_post

pytestmark = pytest.mark.django_db


def _three_rows(fund_year, **extra):
    rows = {
        "lines-TOTAL_FORMS": "3",
        "lines-1-item": "餐盒",
        "lines-1-quantity": "100",
        "lines-1-unit_price": "2.50",
        "lines-2-item": "保温箱",
        "lines-2-quantity": "2",
        "lines-2-unit_price": "300",
        "lines-2-in_procurement_catalogue": "on",
    }
    return _create_post(fund_year, **{**rows, **extra})


def test_add_a_line_shows_the_form_again_with_one_more_row_and_saves_nothing(client, people, fund_year):
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    response = client.post(reverse("projects:create"), _three_rows(fund_year, **{"lines-add": "1"}))
    page = response.content.decode()
    assert response.status_code == 200 and not Project.objects.exists()
    lines = response.context["lines"]
    assert lines.total_form_count() == 4
    assert 'value="敬老餐桌"' in page and 'value="保温箱"' in page  # what was typed is kept
    assert "error-summary" not in page and "请填写" not in page  # nothing is judged yet
    # 12 × 1,500.50 + 100 × 2.50 + 2 × 300, before saving
    assert response.context["lines_total"] == 18006 + 250 + 600 and "18,856.00 元" in page


def test_remove_a_line_drops_that_row_and_keeps_the_others_in_order(client, people, fund_year):
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    response = client.post(reverse("projects:create"), _three_rows(fund_year, **{"lines-remove": "1"}))
    lines = response.context["lines"]
    assert lines.total_form_count() == 2 and not Project.objects.exists()
    assert [f["item"].value() for f in lines.forms] == ["送餐服务", "保温箱"]
    assert lines.forms[1]["in_procurement_catalogue"].value() is True
    # Then saving keeps exactly the two rows.
    data = {k: v for k, v in _create_post(fund_year).items()}
    data.update({"lines-1-item": "保温箱", "lines-1-quantity": "2", "lines-1-unit_price": "300"})
    client.post(reverse("projects:create"), data)
    project = Project.objects.get()
    assert [line.item for line in project.budget_lines.order_by("pk")] == ["送餐服务", "保温箱"]
    assert str(project.budget_total) == "18606.00"


def test_a_blank_row_is_no_row_even_when_it_was_filled_before(client, people, fund_year):
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    client.post(reverse("projects:create"), _three_rows(fund_year))
    project = Project.objects.get()
    data = _three_rows(
        fund_year, **{"lines-INITIAL_FORMS": "3", "lines-1-item": "", "lines-1-quantity": "", "lines-1-unit_price": ""}
    )
    response = client.post(reverse("projects:edit", args=[project.pk]), data)
    assert response.status_code == 302
    assert [line.item for line in project.budget_lines.order_by("pk")] == ["送餐服务", "保温箱"]


def test_edit_page_shows_the_saved_rows_and_their_total(client, people, fund_year):
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    client.post(reverse("projects:create"), _three_rows(fund_year))
    project = Project.objects.get()
    response = client.get(reverse("projects:edit", args=[project.pk]))
    assert response.context["lines"].total_form_count() == 5 and "18,856.00 元" in response.content.decode()


def test_the_only_open_fund_year_is_preselected(client, people, fund_year):
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    form = client.get(reverse("projects:create")).context["form"]
    assert form["fund_year"].value() == fund_year.pk
    FundYearFactory(community=fund_year.community, year=fund_year.year + 1)
    form = client.get(reverse("projects:create")).context["form"]
    assert form["fund_year"].value() is None  # two open years: the person chooses


def test_small_group_needs_its_reason_on_the_server_too(client, people, fund_year):  # Art. 7(2)
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    response = client.post(reverse("projects:create"), _create_post(fund_year, is_small_group="on"))
    assert response.status_code == 200 and not Project.objects.exists()
    assert "受益群体较小的项目须说明理由（第七条）。" in response.content.decode()


def test_error_summary_links_every_error_to_its_field(client, people, fund_year):
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    data = _create_post(fund_year, title="", **{"lines-0-unit_price": "1e5"})
    page = client.post(reverse("projects:create"), data).content.decode()
    summary = page[page.index('class="error-summary"') : page.index("</div>", page.index('class="error-summary"'))]
    assert 'role="alert"' in page and 'tabindex="-1"' in page
    assert '<a href="#id_title">请填写项目名称。</a>' in summary
    assert '<a href="#id_lines-0-unit_price">第 1 行 · 单价：单价请按普通写法填写' in summary
    assert "这个字段是必填项" not in page


def test_an_empty_form_lists_a_specific_message_for_each_required_field(client, people, fund_year):
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    page = client.post(
        reverse("projects:create"), {"lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0"}
    ).content.decode()
    for message in ("请填写项目名称。", "请选择经费使用范围", "请至少填写一项预算明细"):
        assert message in page
    assert "这个字段是必填项" not in page
