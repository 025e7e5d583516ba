"""How the process was followed: acceptance, changes, deadlines, objections, opinions, and who the contractor is (Art. 10–14, 19)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from fundadmin.formats import money as money_text
from fundadmin.roles import Role
from projects.models import (
    ChangeRequest,
    Project,
)

from ..kinds import Kind
from .data import (
    APPROVAL_DAYS,
    Candidate,
    Data,
    P,
    as_percent,
    masked,
    money,
    normalized,
    payment_item,
    phone_numbers,
    share_of,
)


def low_satisfaction_paid(d: Data, t: dict) -> list[Candidate]:
    out = []
    floor = t["low_satisfaction_percent"]
    for p in d.projects.values():
        inspection = d.inspections.get(p.pk)
        if p.settlement is None or inspection is None:
            continue
        percent = (Decimal(inspection["satisfied"]) * 100 / inspection["respondents"]).quantize(Decimal("0.1"))
        if percent >= floor:
            continue
        out.append(
            Candidate(
                Kind.LOW_SATISFACTION_PAID,
                f"{p.pk}",
                p.committee_id,
                p.community_id,
                p.year,
                value=percent,
                threshold=floor,
                summary=f"{p.label}：验收满意度 {percent}%（{inspection['satisfied']}/{inspection['respondents']} 人），"
                f"仍于 {p.settlement['paid_on']:%Y-%m-%d} 付款 {money_text(p.settlement['amount'])}",
                evidence=[
                    p.item(
                        note=f"验收日期 {inspection['inspected_on']:%Y-%m-%d}，满意 {inspection['satisfied']} 人 / 调查 {inspection['respondents']} 人"
                    ),
                    payment_item(p),
                ],
                project_id=p.pk,
            )
        )
    return out


def change_raise(d: Data, t: dict) -> list[Candidate]:
    out = []
    share_min, repeat = t["change_raise_share"], t["change_repeat_count"]
    for project_id, changes in d.changes.items():
        p = d.projects.get(project_id)
        base = d.approved_plan.get(project_id)
        if p is None or not base:
            continue
        amount, raises, items = base, 0, []
        for c in changes:
            if c["new_amount"] > amount:
                raises += 1
                state = "待党工委决定" if c["status"] == ChangeRequest.Outcome.PENDING else "已同意并备案"
                items.append(
                    {
                        "type": "change",
                        "id": c["pk"],
                        "project": p.pk,
                        "label": f"变更申请：{money_text(amount)} → {money_text(c['new_amount'])}（{state}）",
                        "amount": money(c["new_amount"]),
                        "date": timezone.localdate(c["requested_at"]).isoformat(),
                        "note": c["reason"][:100],
                    }
                )
            amount = c["new_amount"]
        share = share_of(amount - base, base)
        if raises == 0 or (share <= share_min and raises < repeat):
            continue
        out.append(
            Candidate(
                Kind.CHANGE_RAISE,
                f"{p.pk}",
                p.committee_id,
                p.community_id,
                p.year,
                value=share,
                threshold=share_min,
                summary=f"{p.label}：批准金额 {money_text(base)}，经 {raises} 次变更提高到 {money_text(amount)}（+{as_percent(share)}）",
                evidence=[p.item(note=f"批准时金额 {money_text(base)}"), *items],
                project_id=p.pk,
            )
        )
    return out


def late_approval(d: Data, t: dict) -> list[Candidate]:
    out = []
    grace = t["late_approval_grace_working_days"]
    decisions: list[tuple[P | Project, datetime.date, str]] = [
        (p, p.approved_on, "批准") for p in d.projects.values() if p.approved_on and p.received_on
    ]
    for pk, decided_at in d.refusals.items():
        rejected = d.rejected.get(pk)
        if rejected is not None:
            decisions.append((rejected, timezone.localdate(decided_at), "不予批准"))
    for p, decided_on, verb in decisions:
        deadline = d.calendar.add_working_days(p.received_on, APPROVAL_DAYS).date
        if decided_on <= deadline:
            continue
        late_by = d.calendar.working_days_between(deadline, decided_on).days
        if late_by <= grace:
            continue
        if isinstance(p, Project):
            label, community_id, committee_id, year = str(p), p.community_id, p.community.committee_id, p.fund_year.year
            item = {"type": "project", "id": p.pk, "label": label, "amount": money(p.budget_total), "note": ""}
        else:
            label, community_id, committee_id, year, item = p.label, p.community_id, p.committee_id, p.year, p.item()
        item = {
            **item,
            "note": f"收到申请表 {p.received_on:%Y-%m-%d}，期限 {deadline:%Y-%m-%d}，{decided_on:%Y-%m-%d}{verb}",
        }
        out.append(
            Candidate(
                Kind.LATE_APPROVAL,
                f"{p.pk}",
                committee_id,
                community_id,
                year,
                value=Decimal(late_by),
                threshold=Decimal(grace),
                summary=f"{label}：{p.received_on:%Y-%m-%d}收到申请表，期限 {deadline:%Y-%m-%d}，"
                f"{decided_on:%Y-%m-%d}才{verb}，超期 {late_by} 个工作日",
                evidence=[item],
                project_id=p.pk,
            )
        )
    return out


def objection_upheld(d: Data, t: dict) -> list[Candidate]:
    out = []
    for o in d.objections:
        community = d.communities[o["notice__community_id"]]
        year = o["notice__project__fund_year__year"] or (o["decided_at"] or d.today).year
        evidence = [
            {
                "type": "objection",
                "id": o["pk"],
                "community": community.code,
                "label": f"异议：{o['text'][:60]}",
                "date": timezone.localdate(o["decided_at"]).isoformat() if o["decided_at"] else "",
                "note": f"公示：{o['notice__title']}",
            }
        ]
        project = d.projects.get(o["notice__project_id"])
        if project is not None:
            evidence.append(project.item())
        out.append(
            Candidate(
                Kind.OBJECTION_UPHELD,
                f"{o['pk']}",
                community.committee_id,
                community.pk,
                year,
                value=Decimal(1),
                threshold=Decimal(1),
                summary=f"对“{o['notice__title']}”的居民异议经党工委认定成立",
                evidence=evidence,
                project_id=o["notice__project_id"],
            )
        )
    return out


def opinion_unanswered(d: Data, t: dict) -> list[Candidate]:
    out = []
    limit = t["opinion_unanswered_working_days"]
    for o in d.opinions:
        raised_on = timezone.localdate(o["raised_at"])
        days = d.calendar.working_days_between(raised_on, d.today).days
        if days <= limit:
            continue
        community = d.communities[o["community_id"]]
        project = d.projects.get(o["project_id"])
        evidence = [
            {
                "type": "opinion",
                "id": o["pk"],
                "label": f"监督意见：{o['text'][:60]}",
                "date": raised_on.isoformat(),
                "note": f"{o['raised_by_name']}提出",
            }
        ]
        if project is not None:
            evidence.append(project.item())
        out.append(
            Candidate(
                Kind.OPINION_UNANSWERED,
                f"{o['pk']}",
                community.committee_id,
                community.pk,
                project.year if project else raised_on.year,
                value=Decimal(days),
                threshold=Decimal(limit),
                summary=f"{community.name}{raised_on:%Y-%m-%d}提出的监督意见已 {days} 个工作日未答复",
                evidence=evidence,
                project_id=o["project_id"],
            )
        )
    return out


def _holds_during(a: dict, year: int) -> bool:
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if a["valid_from"] > end or (a["valid_until"] is not None and a["valid_until"] < start):
        return False
    return a["revoked_at"] is None or timezone.localdate(a["revoked_at"]) >= start


def contact_match(d: Data, t: dict) -> list[Candidate]:
    out = []
    by_community: dict[int, list[dict]] = defaultdict(list)
    by_committee: dict[int, list[dict]] = defaultdict(list)
    for a in d.role_holders:
        (by_community[a["community_id"]] if a["community_id"] else by_committee[a["committee_id"]]).append(a)
    for p in d.projects.values():
        names = {
            n for n in (p.contractor_norm, normalized(p.settlement["payee"]) if p.settlement else "") if len(n) >= 2
        }
        phones = phone_numbers(p.contact)
        if not names and not phones:
            continue
        matches: dict[int, tuple[dict, list[str]]] = {}
        for a in [*by_community.get(p.community_id, ()), *by_committee.get(p.committee_id, ())]:
            if not _holds_during(a, p.year):
                continue
            how = []
            name = normalized(a["user__full_name"])
            if name and name in names:
                how.append("姓名相同")
            phone = phone_numbers(a["user__phone"] or "")
            if phone & phones:
                how.append(f"电话相同（{masked(next(iter(phone & phones)))}）")
            if how:
                entry = matches.setdefault(a["user_id"], (a, []))
                entry[1].extend(h for h in how if h not in entry[1])
                entry[1].append(Role(a["role"]).label)
        if not matches:
            continue
        people = []
        for a, how in matches.values():
            roles = "、".join(h for h in how if "相同" not in h)
            same = "，".join(h for h in how if "相同" in h)
            people.append(
                {
                    "type": "person",
                    "id": a["user_id"],
                    "label": f"{a['user__full_name'] or a['user__username']}（{roles}）",
                    "note": same,
                }
            )
        evidence = [p.item(note=f"承办方：{p.contractor}"), *people]
        if p.settlement is not None:
            evidence.append(payment_item(p))
        out.append(
            Candidate(
                Kind.CONTACT_MATCH,
                f"{p.pk}",
                p.committee_id,
                p.community_id,
                p.year,
                value=Decimal(len(people)),
                threshold=Decimal(1),
                summary=f"{p.label}：承办方“{p.contractor}”与任职人员"
                + "、".join(x["label"].split("（")[0] for x in people)
                + "信息相同",
                evidence=evidence,
                project_id=p.pk,
            )
        )
    return out
