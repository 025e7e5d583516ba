import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from fundadmin.models import FundYear
from ledger.models import JournalEntry, Kind
from ledger.selectors import committee_summary, fund_balances, small_group_share
from ledger.services import appropriation_record, entry_reverse, fund_year_close, payment_post
from ledger.verification import ledger_verify
from projects.models import BudgetLine, Status
from projects.selectors import small_group_usage
from tests.factories import FundYearFactory

from .factories import funded, paid_project, project_create, settlement_create

pytestmark = pytest.mark.django_db
D = Decimal
AFTER = datetime.date(2030, 1, 2)  # "today" for closes: every test year has ended


@pytest.fixture
def fy2025(community):
    return FundYearFactory(community=community, year=2025)


@pytest.fixture
def fy2026(community):
    return FundYearFactory(community=community, year=2026)


def codes(excinfo) -> set[str]:
    return {e.code for e in excinfo.value.error_list}


# -- appropriations (Art. 5) -------------------------------------------------------------------


def test_appropriation_is_a_credit_with_gapless_voucher_numbers_and_an_event(fy2026):
    first = funded(fy2026, D("60000.00"))
    second = funded(fy2026, D("40000.00"), day=datetime.date(2026, 8, 1))
    assert (first.voucher_no, second.voucher_no) == (1, 2)
    assert (first.credit, first.debit, first.kind) == (D("60000.00"), D("0.00"), Kind.APPROPRIATION)
    assert fund_balances(fy2026).received == D("100000.00")
    events = AuditEvent.objects.filter(action="ledger.appropriation")
    assert events.count() == 2 and events.first().community == fy2026.community


@pytest.mark.parametrize(
    ("amount", "code"),
    [(D("0"), "amount_not_positive"), (D("-1.00"), "amount_not_positive"), (D("1.005"), "amount_precision")],
)
def test_appropriation_amount_must_be_positive_with_two_decimals(fy2026, amount, code):
    with pytest.raises(ValidationError) as excinfo:
        appropriation_record(fund_year=fy2026, amount=amount, entry_date=datetime.date(2026, 3, 1), by=None)
    assert code in codes(excinfo)
    assert not JournalEntry.objects.exists()


def test_appropriation_date_must_be_inside_the_year(fy2026):
    with pytest.raises(ValidationError) as excinfo:
        appropriation_record(fund_year=fy2026, amount=D("1.00"), entry_date=datetime.date(2025, 12, 31), by=None)
    assert "date_outside_year" in codes(excinfo)


def test_appropriations_cannot_exceed_the_allocation(fy2026):
    funded(fy2026, D("100000.00"))
    with pytest.raises(ValidationError) as excinfo:
        funded(fy2026, D("0.01"))
    assert "over_allocation" in codes(excinfo)
    assert JournalEntry.objects.count() == 1


# -- payments (Art. 13) --------------------------------------------------------------------------


def test_payment_is_a_debit_linked_to_project_settlement_and_vouchers(fy2026):
    funded(fy2026)
    project, entry = paid_project(fy2026, D("1234.56"))
    assert (entry.debit, entry.credit, entry.kind) == (D("1234.56"), D("0.00"), Kind.PAYMENT)
    assert entry.project == project and entry.settlement == project.settlement
    b = fund_balances(fy2026)
    assert (b.spent, b.cash, b.available) == (D("1234.56"), D("98765.44"), D("98765.44"))
    assert AuditEvent.objects.get(action="ledger.payment").project_id == project.pk


def test_payment_links_current_vouchers(fy2026):
    from projects.models import Document

    funded(fy2026)
    project = project_create(fy2026, approved_amount=D("10.00"))
    invoice = Document.objects.create(
        project=project,
        kind=Document.Kind.INVOICE,
        file="x.pdf",
        original_name="发票.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        uploaded_by=project.proposer,
        stage="payment",
    )
    entry = payment_post(settlement=settlement_create(project, D("10.00"), datetime.date(2026, 5, 1)), by=None)
    assert list(entry.vouchers.all()) == [invoice]


def test_payment_refuses_overdraft(fy2026):
    funded(fy2026, D("100.00"))
    project = project_create(fy2026, approved_amount=D("100.01"))
    settlement = settlement_create(project, D("100.01"), datetime.date(2026, 5, 1))
    with pytest.raises(ValidationError) as excinfo:
        payment_post(settlement=settlement, by=None)
    assert "overdraft" in codes(excinfo)
    assert fund_balances(fy2026).spent == D("0.00")


def test_payment_is_posted_once_per_settlement(fy2026):
    funded(fy2026)
    project, entry = paid_project(fy2026, D("500.00"))
    with pytest.raises(ValidationError) as excinfo:
        payment_post(settlement=project.settlement, by=None)
    assert "already_paid" in codes(excinfo)
    # After a reversal the settlement may be posted again: still one net payment.
    entry_reverse(entry=entry, reason="金额录错", by=None, entry_date=datetime.date(2026, 7, 1))
    payment_post(settlement=project.settlement, by=None)
    assert fund_balances(fy2026).spent == D("500.00")
    assert ledger_verify() == []


def test_payment_dated_outside_the_project_year_is_refused(fy2026):
    funded(fy2026)
    project = project_create(fy2026, approved_amount=D("10.00"))
    with pytest.raises(ValidationError) as excinfo:
        payment_post(settlement=settlement_create(project, D("10.00"), datetime.date(2027, 1, 5)), by=None)
    assert "date_outside_year" in codes(excinfo)


# -- reversals (Art. 17) -------------------------------------------------------------------------


def test_reversal_mirrors_the_entry_and_needs_a_reason(fy2026):
    entry = funded(fy2026, D("300.00"))
    with pytest.raises(ValidationError) as excinfo:
        entry_reverse(entry=entry, reason="  ", by=None, entry_date=datetime.date(2026, 4, 1))
    assert "reason_required" in codes(excinfo)
    reversal = entry_reverse(entry=entry, reason="重复登记", by=None, entry_date=datetime.date(2026, 4, 1))
    assert (reversal.debit, reversal.credit, reversal.reversed_entry) == (D("300.00"), D("0.00"), entry)
    assert fund_balances(fy2026).received == D("0.00")
    assert AuditEvent.objects.get(action="ledger.reverse").reason == "重复登记"


def test_an_entry_is_reversed_once_and_reversals_are_not_reversed(fy2026):
    entry = funded(fy2026, D("300.00"))
    reversal = entry_reverse(entry=entry, reason="重复登记", by=None, entry_date=datetime.date(2026, 4, 1))
    with pytest.raises(ValidationError) as excinfo:
        entry_reverse(entry=entry, reason="再次", by=None, entry_date=datetime.date(2026, 4, 1))
    assert "already_reversed" in codes(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        entry_reverse(entry=reversal, reason="再次", by=None, entry_date=datetime.date(2026, 4, 1))
    assert "reversal_of_reversal" in codes(excinfo)


def test_reversing_a_spent_receipt_is_an_overdraft(fy2026):
    entry = funded(fy2026, D("1000.00"))
    paid_project(fy2026, D("800.00"))
    with pytest.raises(ValidationError) as excinfo:
        entry_reverse(entry=entry, reason="退回财政", by=None, entry_date=datetime.date(2026, 9, 1))
    assert "overdraft" in codes(excinfo)


def test_reversal_of_a_closed_year_entry_goes_into_the_open_year(fy2025, fy2026):
    funded(fy2025)
    _, payment = paid_project(fy2025, D("2000.00"))
    fund_year_close(fund_year=fy2025, by=None, today=AFTER)
    reversal = entry_reverse(entry=payment, reason="承办方退款", by=None, entry_date=datetime.date(2026, 2, 3))
    assert reversal.fund_year == fy2026 and "冲销2025年第2号凭证" in reversal.summary
    assert fund_balances(fy2026).spent == D("-2000.00")
    with pytest.raises(ValidationError) as excinfo:
        entry_reverse(entry=reversal, reason="x", by=None, entry_date=datetime.date(2025, 12, 1))
    assert "reversal_of_reversal" in codes(excinfo)


def test_carry_over_entries_cannot_be_reversed(fy2025, fy2026):
    funded(fy2025)
    fund_year_close(fund_year=fy2025, by=None, today=AFTER)
    carry_in = JournalEntry.objects.get(kind=Kind.CARRY_IN)
    with pytest.raises(ValidationError) as excinfo:
        entry_reverse(entry=carry_in, reason="x", by=None, entry_date=datetime.date(2026, 2, 3))
    assert "carry_not_reversible" in codes(excinfo)


# -- year-end close (Art. 13) ----------------------------------------------------------------------


def test_close_carries_the_surplus_and_is_idempotent(fy2025, fy2026):
    funded(fy2025)
    paid_project(fy2025, D("30000.00"))
    result = fund_year_close(fund_year=fy2025, by=None, today=AFTER)
    assert result.surplus == D("70000.00") and not result.next_year_created
    fy2025.refresh_from_db()
    assert fy2025.is_closed
    b25, b26 = fund_balances(fy2025), fund_balances(fy2026)
    assert (b25.carried_out, b25.book_balance) == (D("70000.00"), D("0.00"))
    assert (b26.carry_over, b26.fund, b26.cash) == (D("70000.00"), D("170000.00"), D("70000.00"))
    again = fund_year_close(fund_year=fy2025, by=None, today=AFTER)
    assert again.already_closed and JournalEntry.objects.count() == 4
    assert AuditEvent.objects.filter(action="ledger.close_year").count() == 1
    assert ledger_verify() == []


def test_close_creates_the_next_year_when_missing_and_says_so(fy2025):
    funded(fy2025, D("500.00"))
    result = fund_year_close(fund_year=fy2025, by=None, today=AFTER)
    assert result.next_year_created and "已新建" in result.message
    assert FundYear.objects.get(community=fy2025.community, year=2026).allocation == D("0.00")


def test_a_closed_year_takes_no_new_entries(fy2025, fy2026):
    entry = funded(fy2025, D("500.00"))
    fund_year_close(fund_year=fy2025, by=None, today=AFTER)
    fy2025.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        funded(fy2025, D("1.00"))
    assert "year_closed" in codes(excinfo)
    project = project_create(fy2025, approved_amount=D("1.00"))
    with pytest.raises(ValidationError) as excinfo:
        payment_post(settlement=settlement_create(project, D("1.00"), datetime.date(2025, 12, 1)), by=None)
    assert "year_closed" in codes(excinfo)
    # Also the model itself, without the service:
    with pytest.raises(ValidationError) as excinfo:
        JournalEntry(
            account=entry.account,
            fund_year=fy2025,
            voucher_no=99,
            entry_date=datetime.date(2025, 5, 1),
            kind=Kind.APPROPRIATION,
            credit=D("1.00"),
            summary="x",
        ).save()
    assert "year_closed" in codes(excinfo)


def test_close_refused_before_year_end_or_with_earlier_year_open(fy2025, fy2026):
    with pytest.raises(ValidationError) as excinfo:
        fund_year_close(fund_year=fy2026, by=None, today=datetime.date(2026, 12, 31))
    assert "year_not_ended" in codes(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        fund_year_close(fund_year=fy2026, by=None, today=AFTER)
    assert "previous_year_open" in codes(excinfo)
    fy2026.refresh_from_db()
    assert not fy2026.is_closed and not JournalEntry.objects.exists()


def test_close_carries_unpaid_approved_projects_instead_of_refusing(fy2025, fy2026):
    # Until issue 14 this close was refused ("year_has_commitments": 以下已批准项目尚未支付); the
    # refusal is gone — the commitment is carried with its money (SPEC.md: commitments cross the
    # year end, Art. 13).
    funded(fy2025)
    project = project_create(fy2025, status=Status.SIGNED, approved_amount=D("10.00"))
    result = fund_year_close(fund_year=fy2025, by=None, today=AFTER)
    fy2025.refresh_from_db()
    assert fy2025.is_closed and [c.number for c in result.carried] == [project.number]
    assert fund_balances(fy2025).committed == D("0.00") and fund_balances(fy2026).committed == D("10.00")


# -- selectors ---------------------------------------------------------------------------------------


def test_committed_and_small_group_share(fy2026):
    funded(fy2026)
    project_create(fy2026, status=Status.APPROVED, approved_amount=D("5000.00"), is_small_group=True)
    draft_budget = project_create(fy2026, status=Status.SUBMITTED, is_small_group=True)
    BudgetLine.objects.create(project=draft_budget, item="助餐", quantity=D("10"), unit_price=D("150.00"))
    project_create(fy2026, status=Status.DRAFT, approved_amount=None, is_small_group=True)
    project_create(fy2026, status=Status.REJECTED, is_small_group=True)
    b = fund_balances(fy2026)
    assert (b.committed, b.available) == (D("5000.00"), D("95000.00"))
    # The cap as the approval rules see it: the ledger's approved small-group money plus the
    # budgets of those still on their way to approval (projects.selectors).
    share = small_group_usage(fy2026)
    assert (share.used, share.cap, share.within_cap) == (D("6500.00"), D("20000.00"), True)
    # The ledger alone counts what approved projects hold (the book page, the committee view).
    ledger_share = small_group_share(fy2026)
    assert (ledger_share.used, ledger_share.cap) == (D("5000.00"), D("20000.00"))


def test_committee_summary_in_bounded_queries(community, django_assert_num_queries):
    from tests.factories import CommunityFactory

    for i in range(4):
        other = community if i == 0 else CommunityFactory(committee=community.committee)
        fy = FundYearFactory(community=other, year=2026)
        funded(fy)
        paid_project(fy, D("100.00") * (i + 1))
        project_create(fy, status=Status.APPROVED, approved_amount=D("7.00"), is_small_group=True)
    CommunityFactory(committee=community.committee)  # no fund year for 2026
    with django_assert_num_queries(5):
        summary = committee_summary(committee=community.committee, year=2026)
        totals = summary.totals
    assert len(summary.rows) == 5 and summary.rows[-1].balances is None
    assert totals["spent"] == D("1000.00") and totals["committed"] == D("28.00")
    assert all(r.small_group.used == D("7.00") for r in summary.rows if r.small_group)
