"""Onboarding a city from one workbook (issue 14): all or nothing, through the services, with a
Chinese message per bad row; re-importing changes nothing; export → import round trip."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from audit.models import AuditEvent
from fundadmin import onboarding, services
from fundadmin.models import Community, FundYear, RoleAssignment, User, WorkingCommittee
from fundadmin.onboarding import ALLOCATIONS, COMMITTEES, COMMUNITIES, ROLES, SHEETS, USERS
from fundadmin.permissions import check
from fundadmin.roles import Role
from tests.factories import CommunityFactory, UserFactory, grant
from tests.notifications.helpers import run_worker

LINK_TASK = "fundadmin.onboarding.links.password_link_mail"

pytestmark = pytest.mark.django_db

D = dt.date


def city_rows(**overrides) -> dict[str, list[list]]:
    """A small city: one committee with two communities, four people, their roles, two years."""
    rows = {
        COMMITTEES.title: [["donghu", "东湖街道社区党工委", "示例市", "东湖街道社区建设管理委员会"]],
        COMMUNITIES.title: [
            ["guihua", "桂花社区", "donghu", "桂花社区党委", "桂花路1号"],
            ["cuizhu", "翠竹社区", "donghu", "", ""],
        ],
        USERS.title: [
            ["li_wei", "李伟", "liwei@example.gov.cn"],
            ["wang_fang", "王芳", "wangfang@example.gov.cn"],
            ["zhang_min", "张敏", "zhangmin@example.gov.cn"],
            ["chen_jing", "陈静", "chenjing@example.gov.cn"],
        ],
        ROLES.title: [
            ["li_wei", "党工委书记", "donghu", D(2026, 1, 1), None],
            ["wang_fang", "社区党委书记", "guihua", D(2024, 1, 1), D(2028, 12, 31)],
            ["zhang_min", "党工委财务管理人员", "donghu", "2026-01-01", ""],
            ["chen_jing", "议事监督委员会成员", "cuizhu", "2026/3/1", None],
        ],
        ALLOCATIONS.title: [
            ["guihua", 2026, 100000],
            ["cuizhu", 2026, "80,000.50"],
            ["guihua", 2027, Decimal("120000.00")],
        ],
    }
    rows.update(overrides)
    return rows


def workbook(**overrides) -> bytes:
    return onboarding.build_workbook(city_rows(**overrides))


def state() -> tuple:
    """Everything an import could touch, to compare before and after."""
    return (
        list(WorkingCommittee.objects.values_list("code", "name", "city", "construction_committee_name")),
        list(Community.objects.values_list("code", "name", "committee__code", "party_committee_name", "address")),
        list(User.objects.values_list("username", "full_name", "email", "password")),
        list(RoleAssignment.objects.values_list("user__username", "role", "valid_from", "valid_until", "revoked_at")),
        list(FundYear.objects.values_list("community__code", "year", "allocation")),
        AuditEvent.objects.count(),
    )


def test_the_template_has_every_sheet_with_its_headers_and_no_rows():
    wb = load_workbook(io.BytesIO(onboarding.template_workbook()))
    assert wb.sheetnames == [onboarding.README_TITLE, *(s.title for s in SHEETS)]
    for sheet in SHEETS:
        ws = wb[sheet.title]
        assert [c.value for c in ws[1]] == [c.header for c in sheet.columns]
        assert ws.max_row == 1
    assert "一次性链接" in " ".join(str(c.value) for row in wb[onboarding.README_TITLE] for c in row)


def test_import_creates_the_city_through_the_services(admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = onboarding.city_import(data=workbook(), by=admin_user, apply=True)
    assert report.ok and report.applied, report.errors
    assert report.summary() == {
        "党工委": {"新建": 1, "修改": 0, "不变": 0},
        "社区": {"新建": 2, "修改": 0, "不变": 0},
        "用户": {"新建": 4, "修改": 0, "不变": 0},
        "角色任命": {"新建": 4, "修改": 0, "不变": 0},
        "年度经费": {"新建": 3, "修改": 0, "不变": 0},
    }
    guihua = Community.objects.get(code="guihua")
    assert guihua.committee.name == "东湖街道社区党工委" and guihua.address == "桂花路1号"
    assert Community.objects.get(code="cuizhu").applicant_name == "翠竹社区党委"
    assert FundYear.objects.get(community__code="cuizhu", year=2026).allocation == Decimal("80000.50")
    # Roles went through role_grant: their object permissions are in place.
    wang = User.objects.get(username="wang_fang")
    assert check(wang, "act_for_community", guihua)
    assert not check(wang, "act_for_community", Community.objects.get(code="cuizhu"))
    assert check(User.objects.get(username="li_wei"), "approve_for_committee", guihua)
    assert RoleAssignment.objects.get(user=wang).valid_until == D(2028, 12, 31)
    # Every write left its trail, and the import itself is one event with the file's hash.
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"committee.create", "community.create", "user.create", "role.grant", "fund_year.set_allocation"} <= actions
    assert AuditEvent.objects.get(action="onboarding.import").changes["sha256"] == report.sha256
    # Nobody's password exists: each new user's one-time link is queued for the worker, which
    # mails it off the request (the mail itself: test_the_worker_mails_the_links).
    assert not wang.has_usable_password()
    assert report.links_queued == 4 and links_queued() == 4 and mail.outbox == []
    assert AuditEvent.objects.filter(action="user.password_link").count() == 4


def links_queued() -> int:
    return DBTaskResult.objects.filter(task_path=LINK_TASK).count()


@pytest.mark.django_db(transaction=True)
def test_the_worker_mails_the_links_and_none_to_who_has_set_a_password(admin_user):
    """Issue 14: e-mail goes through the background queue. The worker mails each new user their
    link — and no password; a user who set one meanwhile gets nothing."""
    report = onboarding.city_import(data=workbook(), by=admin_user, apply=True)
    assert report.applied and links_queued() == 4 and mail.outbox == []
    early = User.objects.get(username="li_wei")
    early.set_password("早已自行设置-2026")
    early.save()
    assert run_worker() == 4
    assert len(mail.outbox) == 3 and all(m.to != [early.email] for m in mail.outbox)
    message = next(m for m in mail.outbox if m.to == ["wangfang@example.gov.cn"])
    assert "/accounts/welcome/" in message.body and "wang_fang" in message.body
    assert "密码：" not in message.body


def test_the_preview_shows_what_would_happen_and_changes_nothing(admin_user, django_capture_on_commit_callbacks):
    before = state()
    with django_capture_on_commit_callbacks(execute=True):
        report = onboarding.city_import(data=workbook(), by=admin_user, apply=False)
    assert report.ok and not report.applied
    assert report.summary()["角色任命"] == {"新建": 4, "修改": 0, "不变": 0}
    assert [o.label for o in report.sheets[1].listed] == [
        "桂花社区（guihua，东湖街道社区党工委）",
        "翠竹社区（cuizhu，东湖街道社区党工委）",
    ]
    assert state() == before and mail.outbox == []


def test_one_bad_row_changes_nothing_and_says_where_and_what_to_do(admin_user, django_capture_on_commit_callbacks):
    rows = city_rows()
    rows[ROLES.title].append(["wang_fang", "社区党委书记", "nowhere", "2026-01-01", None])
    before = state()
    with django_capture_on_commit_callbacks(execute=True):
        report = onboarding.city_import(data=onboarding.build_workbook(rows), by=admin_user, apply=True)
    assert not report.applied
    [error] = report.errors
    assert (error.sheet, error.row, error.column) == ("角色任命", 6, "范围代码")
    assert "找不到代码为“nowhere”的社区" in error.message and "社区代码" in error.hint
    assert str(error).startswith("“角色任命”表第 6 行“范围代码”列：")
    assert state() == before and mail.outbox == []


BAD_ROWS = [
    # (sheet, replacement rows, row, column, message fragment)
    (COMMITTEES, [["donghu", "东湖", "", ""], ["donghu", "东湖2", "", ""]], 3, "党工委代码", "与第 2 行重复"),
    (COMMITTEES, [["东湖 街道", "东湖街道社区党工委", "", ""]], 2, "党工委代码", ""),
    (COMMITTEES, [["donghu", "", "", ""]], 2, "党工委名称", "不能为空"),
    (COMMITTEES, [["donghu", "东" * 101, "", ""]], 2, "党工委名称", "不能超过 100 个字"),
    (COMMUNITIES, [["guihua", "桂花社区", "xicheng", "", ""]], 2, "所属党工委代码", "找不到代码为“xicheng”的党工委"),
    (
        COMMUNITIES,
        [["guihua", "桂花社区", "donghu", "", ""], ["cuizhu", "桂花社区", "donghu", "", ""]],
        3,
        "社区名称",
        "已有名为“桂花社区”的社区（代码“guihua”）",
    ),
    (
        COMMITTEES,
        [["donghu", "东湖", "", ""], ["xihu", "东湖", "", ""]],
        3,
        "党工委名称",
        "已被代码为“donghu”的党工委使用",
    ),
    (USERS, [["li_wei", "李伟", ""]], 2, "电子邮箱", "新用户须填写电子邮箱"),
    (USERS, [["li_wei", "", "liwei@example.gov.cn"]], 2, "姓名", "新用户须填写姓名"),
    (USERS, [["li_wei", "李伟", "liwei-at-example"]], 2, "电子邮箱", "不是有效的电子邮箱"),
    (USERS, [["li wei!", "李伟", "liwei@example.gov.cn"]], 2, "用户名", ""),
    (ROLES, [["nobody", "党工委书记", "donghu", "2026-01-01", None]], 2, "用户名", "找不到用户名为“nobody”的用户"),
    (ROLES, [["li_wei", "书记", "donghu", "2026-01-01", None]], 2, "角色", "不是系统中的角色"),
    (ROLES, [["li_wei", "党工委书记", "guihua", "2026-01-01", None]], 2, "范围代码", "找不到代码为“guihua”的党工委"),
    (ROLES, [["li_wei", "系统管理员", "donghu", "2026-01-01", None]], 2, "范围代码", "系统管理员不限定范围"),
    (
        ROLES,
        [["li_wei", "市级监督（市委组织部、市财政局）", "donghu", "2026-01-01", None]],
        2,
        "范围代码",
        "不限定范围（全市）",
    ),
    (ROLES, [["li_wei", "党工委书记", "", "2026-01-01", None]], 2, "范围代码", "须填写党工委代码"),
    (ROLES, [["li_wei", "党工委书记", "donghu", "明年", None]], 2, "生效日期", "不是有效的日期"),
    (ROLES, [["li_wei", "党工委书记", "donghu", "2026-02-30", None]], 2, "生效日期", "不是有效的日期"),
    (ROLES, [["li_wei", "党工委书记", "donghu", "2026-06-01", "2026-05-31"]], 2, "截止日期", "截止日期早于生效日期"),
    (
        ROLES,
        [
            ["li_wei", "党工委书记", "donghu", "2026-01-01", None],
            ["li_wei", "党工委书记", "donghu", "2026-06-01", None],
        ],
        3,
        "生效日期",
        "期限重叠",
    ),
    (ALLOCATIONS, [["guihua", 2026, "十万"]], 2, "年度经费（元）", "不是金额"),
    (ALLOCATIONS, [["guihua", 2026, 100000.555]], 2, "年度经费（元）", "超过两位小数"),
    (ALLOCATIONS, [["guihua", 2026, -1]], 2, "年度经费（元）", "不是有效的金额"),
    (ALLOCATIONS, [["guihua", "二〇二六", 1]], 2, "年度", "不是有效的年度"),
    (ALLOCATIONS, [["nowhere", 2026, 1]], 2, "社区代码", "找不到代码为“nowhere”的社区"),
    (ALLOCATIONS, [["guihua", 2026, 1], ["guihua", 2026, 2]], 3, "年度", "与第 2 行重复"),
]


@pytest.mark.parametrize(("sheet", "replacement", "row", "column", "fragment"), BAD_ROWS)
def test_every_kind_of_bad_row_is_named_and_nothing_changes(admin_user, sheet, replacement, row, column, fragment):
    before = state()
    report = onboarding.city_import(data=workbook(**{sheet.title: replacement}), by=admin_user, apply=True)
    assert not report.applied and report.errors
    first = report.errors[0]
    assert (first.sheet, first.row, first.column) == (sheet.title, row, column), report.errors
    assert fragment in first.message
    assert re.search(r"[\u4e00-\u9fff]", first.message)  # Chinese, never a code
    assert state() == before


def test_a_reference_to_a_bad_row_names_that_row_not_a_missing_record(admin_user):
    report = onboarding.city_import(
        data=workbook(**{COMMITTEES.title: [["donghu", "", "", ""]]}), by=admin_user, apply=False
    )
    first_community = next(e for e in report.errors if e.sheet == "社区")
    assert first_community.column == "所属党工委代码" and "“党工委”表第 2 行有错误" in first_community.message


def test_a_missing_header_is_refused_and_a_missing_sheet_is_said(admin_user):
    data = workbook()
    wb = load_workbook(io.BytesIO(data))
    wb[COMMUNITIES.title]["C1"] = "党工委"
    del wb[ALLOCATIONS.title]
    out = io.BytesIO()
    wb.save(out)
    report = onboarding.city_import(data=out.getvalue(), by=admin_user, apply=True)
    assert [(e.sheet, e.row) for e in report.errors][:1] == [("社区", 1)]
    assert "缺少列：所属党工委代码" in report.errors[0].message
    assert "文件中没有“年度经费”工作表，该部分不导入。" in report.notes
    assert not report.applied and not WorkingCommittee.objects.exists()


def test_a_file_that_is_not_a_workbook_is_refused_before_anything(admin_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="无法读取该文件"):
        onboarding.city_import(data=b"date,kind\n", by=admin_user, apply=False)


def test_reimporting_the_same_file_changes_nothing(admin_user, django_capture_on_commit_callbacks):
    data = workbook()
    with django_capture_on_commit_callbacks(execute=True):
        onboarding.city_import(data=data, by=admin_user, apply=True)
    before = state()
    with django_capture_on_commit_callbacks(execute=True):
        report = onboarding.city_import(data=data, by=admin_user, apply=True)
    assert report.ok and not report.changes_anything and not report.applied
    assert all(s.created == s.changed == 0 for s in report.sheets)
    assert report.summary()["角色任命"]["不变"] == 4
    assert state() == before and links_queued() == 4  # the first import's links only


def test_a_changed_row_changes_that_record_only(admin_user, django_capture_on_commit_callbacks):
    onboarding.city_import(data=workbook(), by=admin_user, apply=True)
    wang = RoleAssignment.objects.get(user__username="wang_fang")
    changed = city_rows()
    changed[COMMUNITIES.title][0][4] = "桂花路2号"
    changed[ROLES.title][1][4] = D(2030, 12, 31)
    changed[ALLOCATIONS.title][2][2] = 125000
    with django_capture_on_commit_callbacks(execute=True):
        report = onboarding.city_import(data=onboarding.build_workbook(changed), by=admin_user, apply=True)
    assert report.applied
    assert {k: (v["新建"], v["修改"]) for k, v in report.summary().items()} == {
        "党工委": (0, 0),
        "社区": (0, 1),
        "用户": (0, 0),
        "角色任命": (0, 1),
        "年度经费": (0, 1),
    }
    [community_change] = report.sheets[1].listed
    assert community_change.changes == (("地址", "桂花路1号", "桂花路2号"),)
    # A role's term is never edited: the old assignment is revoked and the new term granted.
    wang.refresh_from_db()
    assert wang.revoked_at is not None and "任期调整" in wang.revoke_reason
    current = RoleAssignment.objects.get(user__username="wang_fang", revoked_at__isnull=True)
    assert (current.valid_from, current.valid_until) == (D(2024, 1, 1), D(2030, 12, 31))
    assert check(User.objects.get(username="wang_fang"), "act_for_community", Community.objects.get(code="guihua"))
    assert FundYear.objects.get(community__code="guihua", year=2027).allocation == Decimal("125000.00")


def test_empty_optional_cells_keep_what_is_stored(admin_user):
    onboarding.city_import(data=workbook(), by=admin_user, apply=True)
    blanked = city_rows()
    blanked[COMMITTEES.title] = [["donghu", "东湖街道社区党工委", "", ""]]
    blanked[USERS.title][0] = ["li_wei", "", ""]
    report = onboarding.city_import(data=onboarding.build_workbook(blanked), by=admin_user, apply=True)
    assert not report.changes_anything
    committee = WorkingCommittee.objects.get(code="donghu")
    assert (committee.city, committee.construction_committee_name) == ("示例市", "东湖街道社区建设管理委员会")
    assert User.objects.get(username="li_wei").email == "liwei@example.gov.cn"


def test_a_community_is_not_moved_to_another_committee(admin_user):
    onboarding.city_import(data=workbook(), by=admin_user, apply=True)
    moved = city_rows()
    moved[COMMITTEES.title].append(["xicheng", "西城街道社区党工委", "", ""])
    moved[COMMUNITIES.title][1][2] = "xicheng"
    before = state()
    report = onboarding.city_import(data=onboarding.build_workbook(moved), by=admin_user, apply=True)
    error, *following = report.errors
    assert (error.sheet, error.row, error.column) == (
        "社区",
        3,
        "所属党工委代码",
    ) and "不能通过导入改到" in error.message
    # The rows that name that community point to its row rather than saying it does not exist.
    assert [(e.sheet, e.row) for e in following] == [("角色任命", 5), ("年度经费", 3)]
    assert all("“社区”表第 3 行有错误" in e.message for e in following)
    assert state() == before


def test_an_allocation_refused_by_the_ledger_rules_is_a_row_error(admin_user):
    community = CommunityFactory(code="guihua")
    services.fund_year_set_allocation(community=community, year=2025, allocation=Decimal("90000"), by=None)
    FundYear.objects.filter(year=2025).update(closed_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    rows = {ALLOCATIONS.title: [["guihua", 2025, 95000]]}
    report = onboarding.city_import(data=onboarding.build_workbook(rows), by=admin_user, apply=True)
    [error] = report.errors
    assert error.column == "年度经费（元）" and "已结转" in error.message


def test_roles_that_already_overlap_in_the_system_are_refused(admin_user):
    onboarding.city_import(data=workbook(), by=admin_user, apply=True)
    rows = city_rows()
    rows[ROLES.title][0][3] = D(2026, 7, 1)  # li_wei already holds this role from 2026-01-01, open-ended
    report = onboarding.city_import(data=onboarding.build_workbook(rows), by=admin_user, apply=True)
    [error] = report.errors
    assert error.column == "生效日期" and "期限重叠" in error.message and "生效日期与已有任命相同" in error.hint


def test_export_then_import_changes_nothing_and_exports_the_same_rows(admin_user):
    committee_community = CommunityFactory(code="guihua", name="桂花社区", address="=1+1")  # never a formula
    user = UserFactory(username="liu", full_name="刘洋", email="liu@example.gov.cn")
    grant(user, Role.COMMUNITY_SECRETARY, committee_community, valid_from=D(2020, 1, 1), valid_until=D(2022, 12, 31))
    grant(user, Role.COMMUNITY_SECRETARY, committee_community, valid_from=D(2023, 1, 1))
    grant(UserFactory(username="zhao"), Role.FINANCE, committee_community)
    services.role_grant(user=UserFactory(username="root"), role=Role.SYSTEM_ADMIN, by=None, valid_from=D(2026, 1, 1))
    services.fund_year_set_allocation(community=committee_community, year=2026, allocation=Decimal("1234.5"), by=None)
    exported = onboarding.export_workbook()
    before = state()
    report = onboarding.city_import(data=exported, by=admin_user, apply=True)
    assert report.ok and not report.changes_anything, report.errors
    assert report.summary()["角色任命"]["不变"] == 4 and report.summary()["年度经费"]["不变"] == 1
    assert state() == before
    assert _values(onboarding.export_workbook()) == _values(exported)
    ws = load_workbook(io.BytesIO(exported))[COMMUNITIES.title]
    assert ws["E2"].value == "=1+1" and ws["E2"].data_type == "s"


def test_a_file_imported_into_an_empty_system_exports_as_the_same_rows(admin_user):
    data = workbook()
    onboarding.city_import(data=data, by=admin_user, apply=True)
    exported = _values(onboarding.export_workbook())
    imported = _values(data)
    for sheet in (COMMITTEES, COMMUNITIES, ROLES, ALLOCATIONS):
        assert sorted(exported[sheet.title]) == sorted(_normal(imported[sheet.title])), sheet.title
    # The export also lists the administrator who ran the import.
    assert sorted(exported[USERS.title]) == sorted(
        [*imported[USERS.title], (admin_user.username, "", admin_user.email)]
    )


def _values(data: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(data), data_only=True)
    return {
        s.title: [
            tuple("" if v is None else v for v in row) for row in wb[s.title].iter_rows(min_row=2, values_only=True)
        ]
        for s in SHEETS
    }


def _normal(rows: list[tuple]) -> list[tuple]:
    """What the test file typed, as the export writes it (dates as dates, money as numbers)."""
    out = []
    for row in rows:
        cells = []
        for v in row:
            if isinstance(v, str) and re.fullmatch(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}", v):
                v = dt.datetime(*map(int, re.split(r"[-/]", v)))
            elif isinstance(v, str) and re.fullmatch(r"[\d,]+\.\d+", v):
                v = float(v.replace(",", ""))
            cells.append(v)
        out.append(tuple(cells))
    return out


@pytest.mark.django_db(transaction=True)  # the links go out on commit, before the command reports
def test_the_commands_preview_apply_and_export(tmp_path, capsys):
    from django.core.management import CommandError, call_command

    path = tmp_path / "city.xlsx"
    path.write_bytes(workbook())
    call_command("import_city", str(path))
    out = capsys.readouterr().out
    assert "角色任命：新建 4，修改 0，不变 0" in out and "以上为预览，未作任何修改" in out
    assert not Community.objects.exists()
    call_command("import_city", str(path), "--apply")
    assert "已导入；已向 4 位新用户发送设置密码的链接" in capsys.readouterr().out
    assert Community.objects.count() == 2 and links_queued() == 4
    exported = tmp_path / "export.xlsx"
    call_command("export_city", str(exported))
    call_command("import_city", str(exported), "--apply")
    assert "没有需要导入的变动" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook(**{ALLOCATIONS.title: [["guihua", 2026, "十万"]]}))
    with pytest.raises(CommandError, match="“年度经费”表第 2 行“年度经费（元）”列"):
        call_command("import_city", str(bad), "--apply")


def test_a_nul_in_a_cell_is_a_row_error_before_any_query(admin_user, django_assert_num_queries):
    from fundadmin.onboarding import CellError, Row
    from fundadmin.onboarding.apply import _role_row, _Run

    row = Row(ROLES, 2, {"username": "li\x00wei", "role": "党工委书记", "scope": "donghu", "valid_from": "2026-01-01"})
    run = _Run(by=admin_user, report=None, summaries={})
    with django_assert_num_queries(0), pytest.raises(CellError, match="空字符"):
        _role_row(run, row)


def test_a_city_oversight_row_has_no_scope_and_reads_every_committee(admin_user, django_capture_on_commit_callbacks):
    """Art. 5, 21: city oversight is granted without a scope code and covers every committee,
    those of the same workbook included, and acts in none."""
    rows = city_rows()
    rows[COMMITTEES.title] = [*rows[COMMITTEES.title], ["xicheng", "西城街道社区党工委", "示例市", ""]]
    rows[USERS.title] = [*rows[USERS.title], ["zhou_jian", "周监督", "zhoujian@example.gov.cn"]]
    rows[ROLES.title] = [["zhou_jian", "市级监督（市委组织部、市财政局）", "", D(2026, 1, 1), None], *rows[ROLES.title]]
    with django_capture_on_commit_callbacks(execute=True):
        report = onboarding.city_import(data=onboarding.build_workbook(rows), by=admin_user, apply=True)
    assert report.ok and report.applied, report.errors
    zhou = User.objects.get(username="zhou_jian")
    for committee in WorkingCommittee.objects.all():
        assert check(zhou, "oversee_city", committee), committee
        assert not check(zhou, "approve_for_committee", committee)
    assert not check(zhou, "act_for_community", Community.objects.get(code="guihua"))
