"""Commitments (指标占用) in the ledger (Art. 11, 13, 17): an approval commits, a payment consumes,
a change or the project's end releases, the year-end close carries what is open into the next
year; balances and the 20% cap read them; check_ledger checks their invariants."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from audit.models import AuditEvent
from audit.sentences import sentence
from ledger.models import CommitmentEntry, CommitmentKind, JournalEntry, Kind
from ledger.selectors import fund_balances, small_group_share, year_commitments, year_figures
from ledger.services import (
    commitment_adjust,
    commitment_record,
    commitment_release_all,
    entry_reverse,
    fund_year_close,
    payment_post,
)
from ledger.verification import ledger_verify
from projects.models import Project, Status
from tests.factories import FundYearFactory, UserFactory

from .factories import funded, paid_project, project_create, settlement_create

pytestmark = pytest.mark.django_db
D = Decimal
AFTER = datetime.date(2030, 1, 2)


@pytest.fixture
def fy2025(community):
    return FundYearFactory(community=community, year=2025)


@pytest.fixture
def fy2026(community):
    return FundYearFactory(community=community, year=2026)


def codes(excinfo) -> set[str]:
    return {e.code for e in excinfo.value.error_list}


def test_approval_commits_payment_consumes_end_releases(fy2026):
    funded(fy2026)
    # Created closed (the ledger's steps taken by hand): check_ledger's workflow check then agrees.
    project = project_create(fy2026, status=Status.CLOSED, approved_amount=D("8000.00"))
    b = fund_balances(fy2026)
    assert (b.committed, b.spent, b.available) == (D("8000.00"), D("0.00"), D("92000.00"))
    payment_post(settlement=settlement_create(project, D("7500.00"), datetime.date(2026, 6, 1)), by=None)
    b = fund_balances(fy2026)
    assert (b.committed, b.spent, b.available) == (D("500.00"), D("7500.00"), D("92000.00"))
    [released] = commitment_release_all(project=project, by=None, reason="公示期满，归档")
    assert released.amount == D("500.00")
    b = fund_balances(fy2026)
    assert (b.committed, b.available) == (D("0.00"), D("92500.00"))
    assert commitment_release_all(project=project, by=None, reason="again") == []  # nothing held, nothing written
    actions = list(AuditEvent.objects.filter(project_id=project.pk).order_by("seq").values_list("action", flat=True))
    assert actions == ["ledger.commit", "ledger.payment", "ledger.release"]
    texts = [sentence(e) for e in AuditEvent.objects.filter(project_id=project.pk).order_by("seq")]
    assert "占用指标" in texts[0] and "8,000.00 元" in texts[0]
    assert "核销2026年度已批准指标 7,500.00 元（尚余 500.00 元）" in texts[1]
    assert "释放指标" in texts[2] and "500.00 元" in texts[2]
    assert ledger_verify() == []


def test_a_change_commits_more_or_releases_never_more_than_held(fy2026):
    funded(fy2026)
    project = project_create(fy2026, status=Status.EXECUTING, approved_amount=D("1000.00"))
    commitment_adjust(project=project, before=D("1000.00"), after=D("1200.00"), by=None)
    assert fund_balances(fy2026).committed == D("1200.00")
    commitment_adjust(project=project, before=D("1200.00"), after=D("900.00"), by=None)
    assert fund_balances(fy2026).committed == D("900.00")
    assert commitment_adjust(project=project, before=D("900.00"), after=D("900.00"), by=None) is None
    with pytest.raises(ValidationError) as excinfo:
        commitment_adjust(project=project, before=D("5000.00"), after=D("10.00"), by=None)
    assert "release_exceeds_commitment" in codes(excinfo)
    assert fund_balances(fy2026).committed == D("900.00")


def test_nothing_is_paid_that_was_not_committed(fy2026):
    funded(fy2026)
    project = project_create(fy2026, approved_amount=D("10.00"), commit=False)
    with pytest.raises(ValidationError) as excinfo:
        payment_post(settlement=settlement_create(project, D("10.00"), datetime.date(2026, 5, 1)), by=None)
    assert "no_commitment" in codes(excinfo) and "0.00 元" in excinfo.value.messages[0]
    assert not JournalEntry.objects.filter(kind=Kind.PAYMENT).exists()


def test_close_carries_open_commitments_into_the_next_year_counted_once(fy2025, fy2026):
    funded(fy2025)
    paid_project(fy2025, D("60000.00"))
    # Created in the state it will be in once paid below (the ledger's steps taken by hand).
    carried = project_create(fy2025, status=Status.PAID, approved_amount=D("10000.00"), is_small_group=True)
    other = project_create(fy2025, status=Status.EXECUTING, approved_amount=D("2500.00"))
    result = fund_year_close(fund_year=fy2025, by=None, today=AFTER)
    assert result.surplus == D("40000.00") and result.carried_total == D("12500.00")
    assert sorted(c.number for c in result.carried) == sorted([carried.number, other.number])
    assert "已批准未支付的项目 2 个，指标共 12,500.00 元" in result.message
    out = JournalEntry.objects.get(fund_year=fy2025, kind=Kind.CARRY_OUT)
    assert out.debit == D("40000.00") and "含已批准未支付项目 2 个的指标 12,500.00 元" in out.summary
    b25, b26 = fund_balances(fy2025), fund_balances(fy2026)
    assert (b25.committed, b25.commitments_carried_out, b25.book_balance) == (D("0.00"), D("12500.00"), D("0.00"))
    assert (b26.carry_over, b26.committed, b26.commitments_carried_in) == (D("40000.00"), D("12500.00"), D("12500.00"))
    assert b26.available == D("100000.00") + D("40000.00") - D("12500.00")
    # The cap: the old year keeps what it approved; the new year counts the carried commitment once.
    assert small_group_share(fy2025).used == D("10000.00")
    assert small_group_share(fy2026).used == D("10000.00") and small_group_share(fy2026).cap == D("28000.00")
    lines = {line.project.number: line for line in year_commitments(fy2026)}
    assert lines[carried.number].carried_in == D("10000.00") and lines[carried.number].held == D("10000.00")
    assert {e.project_id for e in AuditEvent.objects.filter(action="ledger.carry")} == {carried.pk, other.pk}
    close = AuditEvent.objects.get(action="ledger.close_year")
    assert "其中已批准未支付项目 2 个的指标 12,500.00 元 一并结转" in sentence(close)

    # Paid in the new year against the carried commitment: posted in 2026, counted once.
    entry = payment_post(settlement=settlement_create(carried, D("10000.00"), datetime.date(2026, 1, 15)), by=None)
    assert entry.fund_year == fy2026
    b26 = fund_balances(fy2026)
    assert (b26.committed, b26.spent) == (D("2500.00"), D("10000.00"))
    assert b26.available == D("100000.00") + D("40000.00") - D("12500.00")
    assert small_group_share(fy2026).used == D("10000.00")
    assert fund_balances(fy2025).spent == D("60000.00")
    assert ledger_verify() == []

    # The book page sums the same figures from its own two queries.
    for fy in (fy2025, fy2026):
        figures = year_figures(fy)
        assert figures.balances == fund_balances(fy) and figures.small_group == small_group_share(fy)

    # Closing twice changes nothing.
    counts = (JournalEntry.objects.count(), CommitmentEntry.objects.count(), AuditEvent.objects.count())
    again = fund_year_close(fund_year=fy2025, by=None, today=AFTER)
    assert (
        again.already_closed and again.carried_total == D("12500.00") and "当时已批准未支付的项目 2 个" in again.message
    )
    assert (JournalEntry.objects.count(), CommitmentEntry.objects.count(), AuditEvent.objects.count()) == counts


def test_a_close_whose_surplus_cannot_carry_its_commitments_is_refused(fy2025, fy2026):
    # "with their money" (SPEC.md): the city paid only part of the allocation, so the year's cash
    # cannot carry what its approved projects hold; nothing is closed or written.
    funded(fy2025, D("1000.00"))
    project_create(fy2025, status=Status.APPROVED, approved_amount=D("3000.00"))
    with pytest.raises(ValidationError) as excinfo:
        fund_year_close(fund_year=fy2025, by=None, today=AFTER)
    assert "commitments_exceed_surplus" in codes(excinfo) and "不足 2,000.00 元" in excinfo.value.messages[0]
    fy2025.refresh_from_db()
    assert not fy2025.is_closed and not JournalEntry.objects.filter(kind=Kind.CARRY_OUT).exists()
    funded(fy2025, D("2000.00"), day=datetime.date(2025, 11, 30))
    assert fund_year_close(fund_year=fy2025, by=None, today=AFTER).carried_total == D("3000.00")
    assert ledger_verify() == []


def test_a_closed_year_takes_no_commitment_entry(fy2025, fy2026):
    funded(fy2025)
    project = project_create(fy2025, status=Status.APPROVED, approved_amount=D("100.00"))
    fund_year_close(fund_year=fy2025, by=None, today=AFTER)
    fy2025.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        CommitmentEntry(
            account=fy2025.community.fund_account,
            fund_year=fy2025,
            project=project,
            kind=CommitmentKind.COMMIT,
            amount=D("1.00"),
            entry_date=datetime.date(2025, 12, 1),
            summary="x",
        ).save()
    assert "year_closed" in codes(excinfo)
    late = project_create(fy2025, status=Status.APPROVED, commit=False)
    with pytest.raises(ValidationError) as excinfo:
        commitment_record(project=late, amount=D("1.00"), by=None)
    assert "year_closed" in codes(excinfo)
    # A commitment carried into 2026 lives there: more is committed in 2026, not in the closed year.
    commitment_record(project=project, amount=D("50.00"), by=None)
    assert fund_balances(fy2026).committed == D("150.00") and fund_balances(fy2025).committed == D("0.00")


def test_a_reversed_payment_restores_the_commitment_until_posted_again(fy2026):
    funded(fy2026)
    project, entry = paid_project(fy2026, D("500.00"))
    before = fund_balances(fy2026)
    reversal = entry_reverse(entry=entry, reason="金额录错", by=None, entry_date=datetime.date(2026, 7, 1))
    b = fund_balances(fy2026)
    assert (b.spent, b.committed, b.available) == (D("0.00"), D("500.00"), before.available)
    restore = CommitmentEntry.objects.get(kind=CommitmentKind.PAYMENT_REVERSAL)
    assert restore.journal_entry == reversal and restore.amount == D("500.00")
    assert "恢复为2026年度已批准未支付，待重新记账" in sentence(AuditEvent.objects.get(action="ledger.reverse"))
    [problem] = ledger_verify()
    assert f"项目 {project.number}" in problem and "净支付 0 笔" in problem
    payment_post(settlement=project.settlement, by=None, entry_date=datetime.date(2026, 7, 2))
    b = fund_balances(fy2026)
    assert (b.spent, b.committed) == (D("500.00"), D("0.00"))
    assert ledger_verify() == []


def test_check_ledger_checks_the_commitments_invariants(fy2025, fy2026):
    funded(fy2025)
    project = project_create(fy2025, status=Status.APPROVED, approved_amount=D("100.00"))
    account = fy2025.community.fund_account

    def stray(**fields):  # bypassing the services, as a bad import would
        CommitmentEntry.objects.bulk_create(
            [
                CommitmentEntry(
                    account=account, project=project, entry_date=datetime.date(2025, 6, 1), summary="x", **fields
                )
            ]
        )

    stray(fund_year=fy2025, kind=CommitmentKind.RELEASE, amount=D("150.00"))
    problems = ledger_verify()
    assert any("2025年度指标余额为负数（-50.00 元）" in p for p in problems)
    assert any("支付和释放超过批准金额 50.00 元" in p for p in problems)
    assert any("台账占用指标 -50.00 元，应为 100.00 元" in p for p in problems)  # the process's view too


def test_check_ledger_names_an_open_commitment_left_in_a_closed_year(fy2025, fy2026):
    funded(fy2025)
    project = project_create(fy2025, status=Status.APPROVED, approved_amount=D("100.00"))
    fund_year_close(fund_year=fy2025, by=None, today=AFTER)
    CommitmentEntry.objects.bulk_create(
        [
            CommitmentEntry(
                account=fy2025.community.fund_account,
                fund_year=fy2025,
                project=project,
                kind=CommitmentKind.COMMIT,
                amount=D("7.00"),
                entry_date=datetime.date(2025, 12, 1),
                summary="x",
            )
        ]
    )
    problems = ledger_verify()
    assert any("已结转，但" in p and "仍有未结转的指标 7.00 元" in p for p in problems)


def test_check_ledger_names_a_payment_without_its_consumption(fy2026):
    funded(fy2026)
    project = project_create(fy2026, approved_amount=D("9.00"))
    settlement = settlement_create(project, D("9.00"), datetime.date(2026, 7, 1))
    JournalEntry.objects.bulk_create(
        [
            JournalEntry(
                account=fy2026.community.fund_account,
                fund_year=fy2026,
                voucher_no=2,
                kind=Kind.PAYMENT,
                entry_date=datetime.date(2026, 7, 1),
                debit=D("9.00"),
                summary="x",
                project=project,
                settlement=settlement,
            )
        ]
    )
    problems = ledger_verify()
    assert any("第2号凭证：支付凭证没有（或有多条）对应的指标核销记录" in p for p in problems)


# -- append-only ------------------------------------------------------------------------------------


@pytest.fixture
def commitment(fy2026):
    funded(fy2026)
    project = project_create(fy2026, status=Status.APPROVED, approved_amount=D("100.00"))
    return CommitmentEntry.objects.get(project=project)


def test_commitments_are_append_only(commitment):
    commitment.amount = D("1.00")
    with pytest.raises(ValidationError) as excinfo:
        commitment.save()
    assert excinfo.value.code == "append_only"
    with pytest.raises(ValidationError):
        commitment.delete()
    with pytest.raises(ValidationError):
        CommitmentEntry.objects.filter(pk=commitment.pk).update(amount=D("1.00"))
    with pytest.raises(ValidationError):
        CommitmentEntry.objects.all().delete()
    assert CommitmentEntry.objects.get(pk=commitment.pk).amount == D("100.00")
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    admin = site._registry[CommitmentEntry]
    assert not admin.has_add_permission(request) and not admin.has_change_permission(request, commitment)
    assert not admin.has_delete_permission(request, commitment)


@pytest.mark.postgres
def test_database_refuses_update_and_delete_of_commitments(commitment):
    for sql in (
        f"UPDATE ledger_commitmententry SET amount = 1 WHERE id = {commitment.pk}",
        f"DELETE FROM ledger_commitmententry WHERE id = {commitment.pk}",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert CommitmentEntry.objects.get(pk=commitment.pk).amount == D("100.00")


# -- a close and a payment at the same moment (PostgreSQL row locks) ----------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_close_and_a_late_december_payment_at_once_leave_one_consistent_outcome(community):
    """In January one finance officer records a payment made on 30 December while another closes
    the year. Under the account lock either the payment lands in December first (and nothing is
    carried) or the close carries the commitment first (and the December-dated payment is refused:
    the commitment now lives in the new year). Never both, never neither."""
    fy2025 = FundYearFactory(community=community, year=2025)
    FundYearFactory(community=community, year=2026)
    funded(fy2025)
    project = project_create(fy2025, status=Status.SIGNED, approved_amount=D("600.00"))
    settlement = settlement_create(project, D("600.00"), datetime.date(2025, 12, 30))
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def run(name, action):
        try:
            barrier.wait(timeout=10)
            action()
            outcomes[name] = "ok"
        except ValidationError as error:
            outcomes[name] = error.code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("pay", lambda: payment_post(settlement=settlement, by=None))),
        threading.Thread(
            target=run,
            args=("close", lambda: fund_year_close(fund_year=fy2025, by=None, today=datetime.date(2026, 1, 5))),
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert outcomes["close"] == "ok"
    paid = JournalEntry.objects.filter(kind=Kind.PAYMENT).exists()
    carried = CommitmentEntry.objects.filter(kind=CommitmentKind.CARRY_OUT).exists()
    assert (outcomes["pay"], paid, carried) in (("ok", True, False), ("date_outside_year", False, True))
    if paid:  # what the workflow's payment step does in the same transaction as the posting
        Project.objects.filter(pk=project.pk).update(status=Status.PAID)
    assert ledger_verify() == []
