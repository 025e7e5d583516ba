"""Commitments across the year end (Art. 11, 13, 17; SPEC.md "Decisions the rules leave to us:
commitments cross the year end"), driven through the real services. These run on SQLite and, in
.ci/run's second pass, on PostgreSQL (nothing here needs a PostgreSQL-only feature)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from fundadmin.roles import Role
from fundadmin.workdays import WorkingCalendar
from ledger.models import CommitmentEntry, CommitmentKind, JournalEntry, Kind
from ledger.selectors import fund_balances, small_group_share
from ledger.services import appropriation_record, entry_reverse, fund_year_close
from ledger.verification import ledger_verify
from projects import process, services
from projects.models import Project, Status
from projects.selectors import approval_deadline, small_group_usage
from publicity.annual import annual_snapshot
from publicity.models import Notice
from supervision.selectors import report_snapshot
from tests.factories import FundYearFactory

from .helpers import Clock, fresh, lines, new_project, walk

pytestmark = pytest.mark.django_db
D = Decimal


def _small(people, fund_year, total, title="独居老人冬季助餐"):
    project = new_project(people, fund_year, title=title, is_small_group=True, small_group_justification="独居老人")
    services.project_update(project=project, by=people[Role.COMMUNITY_SECRETARY], fields={}, lines=lines(total))
    return project


def _balances(fund_year):
    b = fund_balances(fund_year)
    return {
        "fund": b.fund,
        "committed": b.committed,
        "spent": b.spent,
        "available": b.available,
        "cash": b.cash,
        "carried_in": b.commitments_carried_in,
        "carried_out": b.commitments_carried_out,
    }


def test_approved_on_20_december_2026_paid_on_15_january_2027(people, fund_year, time_machine):
    """The issue's case: a project approved on 2026-12-20 and paid on 2027-01-15, with the year
    closed in between; balances and the 20% cap right in both years, the payment posted in 2027
    against the carried commitment, the old year's summaries showing it as carried."""
    clock = Clock(time_machine, start=dt.date(2026, 11, 2))
    done = walk(new_project(people, fund_year, title="楼道照明改造"), people, Status.PAID, clock)
    # Filed on 2026-12-09 so that the form reaches the committee on 2026-12-15 and the approval on
    # the 20th is within its 5 working days (Art. 11): a late one would need its reason.
    clock.to(dt.date(2026, 12, 9))
    project = _small(people, fund_year, "8000.00")
    walk(project, people, Status.SUBMITTED, clock)
    received = fresh(project).received_on
    assert received <= dt.date(2026, 12, 15)  # the approval below is within its 5 working days (Art. 11)
    assert approval_deadline(fresh(project)).date >= dt.date(2026, 12, 20)
    clock.to(dt.date(2026, 12, 20))
    walk(project, people, Status.APPROVED)
    project = fresh(project)
    assert project.approved_on == dt.date(2026, 12, 20)

    paid_2026 = done.settlement.amount
    b26 = _balances(fund_year)
    assert b26["committed"] == D("8000.00") and b26["spent"] == paid_2026
    assert b26["available"] == D("100000.00") - paid_2026 - D("8000.00")
    assert small_group_share(fund_year).used == D("8000.00")  # the ledger's approved small-group money
    assert small_group_usage(fund_year).used == D("8000.00") and small_group_usage(fund_year).cap == D("20000.00")
    commit = AuditEvent.objects.get(action="ledger.commit", project_id=project.pk)
    assert commit.changes["amount"] == "8000.00" and commit.changes["year"] == 2026

    # The new year, its allocation received; the 2026 project cannot be paid from 2027 before the close.
    fy2027 = FundYearFactory(community=fund_year.community, year=2027)
    clock.to(dt.date(2027, 1, 4))
    appropriation_record(fund_year=fy2027, amount=D("100000.00"), entry_date=dt.date(2027, 1, 4), by=None)

    # The close carries the commitment with its money (Art. 13) and lists it.
    result = fund_year_close(fund_year=fund_year, by=people[Role.FINANCE])
    surplus = D("100000.00") - paid_2026
    assert result.surplus == surplus
    assert [(c.number, c.amount) for c in result.carried] == [(project.number, D("8000.00"))]
    assert project.number in result.message and "8,000.00 元" in result.message
    b26 = _balances(fund_year)
    assert (b26["committed"], b26["carried_out"]) == (D("0.00"), D("8000.00"))
    b27 = _balances(fy2027)
    assert b27["fund"] == D("100000.00") + surplus
    assert (b27["committed"], b27["carried_in"]) == (D("8000.00"), D("8000.00"))
    available_2027 = D("100000.00") + surplus - D("8000.00")
    assert b27["available"] == available_2027
    assert small_group_usage(fy2027).used == D("8000.00")
    assert small_group_usage(fy2027).cap == ((D("100000.00") + surplus) * D("0.2")).quantize(D("0.01"))
    carry = AuditEvent.objects.get(action="ledger.carry", project_id=project.pk)
    assert carry.changes["from_year"] == 2026 and carry.changes["next_year"] == 2027

    # Closing twice changes nothing, and the report still lists the carried commitment.
    counts = (JournalEntry.objects.count(), CommitmentEntry.objects.count(), AuditEvent.objects.count())
    again = fund_year_close(fund_year=fund_year, by=people[Role.FINANCE])
    assert again.already_closed and [c.number for c in again.carried] == [project.number]
    assert (JournalEntry.objects.count(), CommitmentEntry.objects.count(), AuditEvent.objects.count()) == counts

    # The old year's annual summary and annual report show it as carried.
    summary = annual_snapshot(fund_year)
    assert summary["carried"]["done"] and summary["carried"]["to_year"] == 2027
    assert summary["carried"]["projects"] == [{"number": project.number, "title": project.title, "amount": "8000.00"}]
    assert {r["number"]: r["carried_amount"] for r in summary["projects"]}[project.number] == "8000.00"
    report = report_snapshot(fund_year)
    assert report["carried"]["total"] == "8000.00" and report["carried"]["projects"][0]["number"] == project.number

    # Run in January, paid on 15 January 2027: the payment is posted in the 2027 fund year.
    clock.to(dt.date(2027, 1, 6))
    walk(project, people, Status.SIGNED, clock)
    clock.to(dt.date(2027, 1, 15))
    walk(project, people, Status.PAID)
    project = fresh(project)
    payment = JournalEntry.objects.get(kind=Kind.PAYMENT, project=project)
    assert payment.fund_year == fy2027 and payment.entry_date == dt.date(2027, 1, 15)
    b27 = _balances(fy2027)
    assert (b27["committed"], b27["spent"]) == (D("0.00"), D("8000.00"))
    assert b27["available"] == available_2027  # counted once: the commitment became the payment
    assert b27["cash"] == D("100000.00") + surplus - D("8000.00")
    assert small_group_usage(fy2027).used == D("8000.00")  # still counted once against 2027's cap
    assert _balances(fund_year)["spent"] == paid_2026  # the old year is untouched

    # Its completion notice says it was approved in 2026 and paid in 2027 against the carried money.
    walk(project, people, Status.COMPLETION_NOTICE)
    notice = Notice.objects.get(project=project, kind=Notice.Kind.COMPLETION)
    assert notice.snapshot["carried"] == {"from_year": 2026, "to_year": 2027, "amount": "8000.00"}
    page = Notice.objects.get(pk=notice.pk)
    assert page.snapshot["paid_amount"] == "8000.00"
    clock.to(WorkingCalendar().add_working_days(dt.date(2027, 1, 15), 3).date + dt.timedelta(days=1))
    walk(project, people, Status.CLOSED)
    assert fund_balances(fy2027).committed == D("0.00")
    assert ledger_verify() == []


def test_a_payment_in_the_new_year_before_the_close_is_refused_with_the_procedure(people, fund_year, time_machine):
    clock = Clock(time_machine, start=dt.date(2026, 12, 1))
    project = walk(new_project(people, fund_year), people, Status.SIGNED, clock)
    FundYearFactory(community=fund_year.community, year=2027)
    clock.to(dt.date(2027, 1, 15))
    with pytest.raises(ValidationError) as exc:
        walk(project, people, Status.PAID)
    assert exc.value.error_list[0].code == "date_outside_year" and "请先办理年度结转" in exc.value.messages[0]
    assert fresh(project).status == Status.SIGNED and not JournalEntry.objects.filter(kind=Kind.PAYMENT).exists()
    fund_year_close(fund_year=fund_year, by=None)
    walk(project, people, Status.PAID)
    assert JournalEntry.objects.get(kind=Kind.PAYMENT).fund_year.year == 2027
    assert ledger_verify() == []


def test_a_closed_year_takes_no_entry_and_no_approval(people, fund_year, time_machine):
    clock = Clock(time_machine, start=dt.date(2026, 12, 1))
    waiting = walk(new_project(people, fund_year, title="待批项目"), people, Status.SUBMITTED, clock)
    clock.to(dt.date(2027, 1, 4))
    fund_year_close(fund_year=fund_year, by=None)
    with pytest.raises(ValidationError, match="已结转"):
        walk(waiting, people, Status.APPROVED)
    assert not CommitmentEntry.objects.filter(project=waiting).exists()
    with pytest.raises(ValidationError) as exc:
        appropriation_record(
            fund_year=fresh(waiting).fund_year, amount=D("1.00"), entry_date=dt.date(2026, 12, 31), by=None
        )
    assert exc.value.code == "year_closed"


def test_consented_changes_commit_more_or_release_the_difference(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = walk(new_project(people, fund_year), people, Status.EXECUTING, clock)
    assert fund_balances(fund_year).committed == D("6000.00")
    for new_amount, committed in ((D("7000.00"), D("7000.00")), (D("5500.00"), D("5500.00"))):
        change = services.change_request_submit(
            project=project,
            by=people[Role.COMMUNITY_SECRETARY],
            reason="材料涨价",
            description="调整",
            new_amount=new_amount,
        )
        services.change_request_decide(change=change, by=people[Role.COMMITTEE_MEMBER], consent=True, comment="同意")
        assert fund_balances(fund_year).committed == committed
    kinds = list(CommitmentEntry.objects.filter(project=project).order_by("pk").values_list("kind", "amount"))
    assert kinds == [
        (CommitmentKind.COMMIT, D("6000.00")),
        (CommitmentKind.COMMIT, D("1000.00")),
        (CommitmentKind.RELEASE, D("1500.00")),
    ]
    release = AuditEvent.objects.get(action="ledger.release", project_id=project.pk)
    assert release.reason == "材料涨价" and release.changes["held"] == "5500.00"


def test_the_project_close_releases_what_is_left_unspent(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = walk(new_project(people, fund_year, contractor_kind="individual"), people, Status.ACCEPTED, clock)
    sec = people[Role.COMMUNITY_SECRETARY]
    from projects.scenario import _upload

    for kind in ("payment_decision", "signed_proof", "payee_signature"):
        _upload(fresh(project), sec, kind)
    services.settlement_record(
        project=fresh(project),
        by=people[Role.FINANCE],
        amount=D("5200.00"),
        paid_on=clock.day,
        method="cash",
        reference="FK1",
        payee="王阿姨",
    )
    b = fund_balances(fund_year)
    assert (b.committed, b.spent) == (D("800.00"), D("5200.00"))  # consumed what was paid; the rest held
    walk(project, people, Status.CLOSED, clock)
    b = fund_balances(fund_year)
    assert (b.committed, b.available) == (D("0.00"), D("100000.00") - D("5200.00"))
    release = AuditEvent.objects.get(action="ledger.release", project_id=project.pk)
    assert release.changes["amount"] == "800.00" and process.CLOSE.label in release.reason
    assert ledger_verify() == []


def test_any_step_that_ends_a_project_holding_a_commitment_releases_it(people, fund_year, time_machine):
    # Withdrawal and rejection happen before approval, so no path today ends a project that holds
    # money but the close; the release sits where every ending step passes (steps.take), so a path
    # added later cannot keep money by ending a project. Here a stray commitment shows it.
    from ledger.services import commitment_record

    clock = Clock(time_machine)
    project = walk(new_project(people, fund_year), people, Status.SUBMITTED, clock)
    commitment_record(project=project, amount=D("100.00"), by=None)
    services.project_withdraw(project=fresh(project), by=people[Role.COMMUNITY_SECRETARY], reason="需求已解决")
    assert fund_balances(fund_year).committed == D("0.00")
    assert CommitmentEntry.objects.filter(project=project, kind=CommitmentKind.RELEASE).get().amount == D("100.00")


def test_a_reversed_payment_is_posted_again_through_the_step(client, people, fund_year, time_machine):
    """check_ledger names a reversed payment as unmended; the re-post step (finance, keep_ledger)
    mends it: one net payment again, the commitment consumed again, the books clean (Art. 13, 17)."""
    from fundadmin.inbox import inbox_items
    from supervision.reminders import digest_text

    clock = Clock(time_machine)
    project = walk(new_project(people, fund_year), people, Status.PAID, clock)
    finance = people[Role.FINANCE]
    client.force_login(finance)
    act = reverse("projects:act", args=[project.pk, process.REPOST_PAYMENT.verb])
    assert act not in client.get(reverse("projects:detail", args=[project.pk])).content.decode()  # nothing to mend
    payment = JournalEntry.objects.get(kind=Kind.PAYMENT, project=project)
    before = fund_balances(fund_year)
    entry_reverse(entry=payment, reason="收款账号录错", by=finance, entry_date=clock.day)
    after = fund_balances(fund_year)
    assert (after.spent, after.committed) == (D("0.00"), D("6000.00"))
    assert after.available == before.available  # the money is owed again, not free to approve
    problems = ledger_verify()
    assert problems and all(project.number in p for p in problems)

    # The community cannot post the completion notice while the payment stands reversed.
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "重新记账" in page and act not in page
    with pytest.raises(ValidationError, match="重新记账"):
        services.project_start_completion_notice(project=fresh(project), by=people[Role.COMMUNITY_SECRETARY])
    # Only finance may take it: the same label on the button, in the inbox and in the reminder.
    with pytest.raises(PermissionDenied):
        services.payment_repost(project=fresh(project), by=people[Role.COMMUNITY_SECRETARY])
    client.force_login(finance)
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert f">{process.REPOST_PAYMENT.label}</a>" in page
    items = [i for i in inbox_items(finance, WorkingCalendar()) if project.number in i.title]
    assert [i.action for i in items] == [process.REPOST_PAYMENT.label]
    _, body = digest_text(finance, items, clock.day)
    assert process.REPOST_PAYMENT.label in body
    assert client.get(act).status_code == 200
    assert client.post(act).status_code == 302

    assert fresh(project).status == Status.PAID
    reposted = JournalEntry.objects.filter(kind=Kind.PAYMENT, project=project).order_by("pk").last()
    assert reposted.pk != payment.pk and reposted.entry_date == clock.day
    b = fund_balances(fund_year)
    assert (b.spent, b.committed, b.available) == (D("6000.00"), D("0.00"), before.available)
    assert ledger_verify() == []
    event = AuditEvent.objects.filter(action=process.REPOST_PAYMENT.action).get()
    from audit.sentences import sentence

    assert process.REPOST_PAYMENT.label in sentence(event) and "6,000.00 元" in sentence(event)
    with pytest.raises(ValidationError):  # nothing left to post
        services.payment_repost(project=fresh(project), by=finance)
    walk(project, people, Status.CLOSED, clock)
    assert ledger_verify() == []


def test_a_payment_reversed_after_the_year_closed_is_posted_again_in_the_open_year(people, fund_year, time_machine):
    clock = Clock(time_machine, start=dt.date(2026, 11, 2))
    project = walk(new_project(people, fund_year), people, Status.CLOSED, clock)
    fy2027 = FundYearFactory(community=fund_year.community, year=2027)
    clock.to(dt.date(2027, 1, 5))
    fund_year_close(fund_year=fund_year, by=None)
    payment = JournalEntry.objects.get(kind=Kind.PAYMENT, project=project)
    entry_reverse(entry=payment, reason="承办方退回后重新支付", by=None, entry_date=clock.day)
    assert fund_balances(fy2027).committed == D("6000.00")
    services.payment_repost(project=fresh(project), by=people[Role.FINANCE])
    reposted = JournalEntry.objects.filter(kind=Kind.PAYMENT, project=project).latest("pk")
    assert reposted.fund_year == fy2027 and fund_balances(fy2027).committed == D("0.00")
    assert fresh(project).status == Status.CLOSED
    assert ledger_verify() == []


def test_a_carried_small_group_commitment_counts_once_against_the_new_cap(people, fund_year, time_machine):
    """Art. 7(2) in the new year: the carried small-group commitment counts in 2027's cap, and a
    2027 small-group project is refused by the same rule and message when they exceed it."""
    clock = Clock(time_machine, start=dt.date(2026, 12, 1))
    carried = _small(people, fund_year, "15000.00", title="跨年助餐")
    walk(carried, people, Status.APPROVED, clock)
    fy2027 = FundYearFactory(community=fund_year.community, year=2027, allocation=D("0.00"))
    clock.to(dt.date(2027, 1, 4))
    fund_year_close(fund_year=fund_year, by=None)
    # 2027: fund = carry-over of 100,000 (allocation still 0): cap 20,000, of which 15,000 carried.
    assert small_group_usage(fy2027).used == D("15000.00") and small_group_usage(fy2027).cap == D("20000.00")
    late = _small(people, fy2027, "6000.00", title="新年助餐")
    with pytest.raises(ValidationError) as exc:
        services.project_request_consent(project=late, by=people[Role.COMMUNITY_SECRETARY])
    assert exc.value.error_list[0].code == "small_group_cap" and "尚余 5,000.00 元" in exc.value.messages[0]
    services.project_update(project=late, by=people[Role.COMMUNITY_SECRETARY], fields={}, lines=lines("5000.00"))
    services.project_request_consent(project=late, by=people[Role.COMMUNITY_SECRETARY])
    assert Project.objects.get(pk=late.pk).status == Status.CONSENT_REQUESTED
