import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command

from fundadmin.models import FundYear
from ledger.models import JournalEntry, Kind
from ledger.selectors import fund_balances
from projects.models import Status
from tests.factories import CommunityFactory, FundYearFactory

from .factories import funded, paid_project, project_create, settlement_create

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def books(community):
    fy2025 = FundYearFactory(community=community, year=2025)
    FundYearFactory(community=community, year=2026)
    funded(fy2025)
    paid_project(fy2025, D("12345.67"))
    return fy2025


@time_machine.travel(datetime.datetime(2026, 1, 5, 9, 0))
def test_close_fund_year_command_closes_and_is_idempotent(books, capsys):
    other = FundYearFactory(community=CommunityFactory(), year=2025)
    call_command("close_fund_year", "2025", "--community", books.community.code)
    assert "结余 87,654.33 元转入2026年度" in capsys.readouterr().out
    other.refresh_from_db()
    assert not other.is_closed
    call_command("close_fund_year", "2025")
    out = capsys.readouterr().out
    assert "此前结转" in out and "2026年度此前不存在，已新建" in out
    assert fund_balances(FundYear.objects.get(community=books.community, year=2026)).carry_over == D("87654.33")


@time_machine.travel(datetime.datetime(2026, 1, 5, 9, 0))
def test_close_fund_year_command_lists_the_carried_commitments(books, capsys):
    # Until issue 14 an unpaid approved project refused the close ("尚未支付"); now the close carries
    # its commitment into the next year and the report lists it (Art. 13).
    project = project_create(books, status=Status.SIGNED, approved_amount=D("5.00"))
    call_command("close_fund_year", "2025")
    out = capsys.readouterr().out
    assert "已批准未支付的项目 1 个" in out and f"{project.number} {project.title} 5.00 元" in out
    call_command("close_fund_year", "2025")  # again: nothing changes, the report still lists it
    out = capsys.readouterr().out
    assert "此前结转" in out and project.number in out


@time_machine.travel(datetime.datetime(2027, 1, 5, 9, 0))
def test_close_fund_year_command_fails_naming_the_reason(books, capsys):
    with pytest.raises(CommandError):
        call_command("close_fund_year", "2026")
    assert "请先结转以前年度" in capsys.readouterr().err
    with pytest.raises(CommandError, match="没有找到"):
        call_command("close_fund_year", "2019")


def test_check_ledger_passes_on_sound_books(books, capsys):
    call_command("check_ledger")
    assert "无误" in capsys.readouterr().out


def test_check_ledger_names_a_paid_project_without_payment(books, capsys):
    project_create(books, status=Status.PAID, approved_amount=D("9.00"))
    with pytest.raises(CommandError):
        call_command("check_ledger")
    assert "没有结算记录" in capsys.readouterr().err


def test_check_ledger_names_a_payment_that_differs_from_its_settlement(books, capsys):
    project = project_create(books, status=Status.PAID, approved_amount=D("9.00"))
    settlement = settlement_create(project, D("9.00"), datetime.date(2025, 7, 1))
    JournalEntry.objects.bulk_create(  # bypassing the service, as a bad import would
        [
            JournalEntry(
                account=books.community.fund_account,
                fund_year=books,
                voucher_no=5,
                kind=Kind.PAYMENT,
                entry_date=datetime.date(2025, 7, 1),
                debit=D("8.00"),
                summary="x",
                project=project,
                settlement=settlement,
            )
        ]
    )
    with pytest.raises(CommandError):
        call_command("check_ledger")
    err = capsys.readouterr().err
    assert f"项目 {project.number}" in err and "应为 1 笔 9.00 元" in err
    assert "凭证号不连续" in err


@time_machine.travel(datetime.datetime(2026, 1, 5, 9, 0))
def test_check_ledger_names_a_wrong_carry_over(books, capsys):
    from ledger.services import fund_year_close

    fund_year_close(fund_year=books, by=None)
    fy2026 = FundYear.objects.get(community=books.community, year=2026)
    # A second carry-in typed by hand cannot exist (unique per year); a stray one in 2027 can.
    fy2027 = FundYearFactory(community=books.community, year=2027)
    JournalEntry.objects.bulk_create(
        [
            JournalEntry(
                account=books.community.fund_account,
                fund_year=fy2027,
                voucher_no=1,
                kind=Kind.CARRY_IN,
                entry_date=datetime.date(2027, 1, 1),
                credit=D("1.00"),
                summary="x",
            )
        ]
    )
    with pytest.raises(CommandError):
        call_command("check_ledger")
    assert "上年结余转入 1.00 元不等于2026年末结余 0.00 元" in capsys.readouterr().err
    assert fund_balances(fy2026).carry_over == D("87654.33")
