"""City-scale data for the benchmarks.

One template community-year is built through the real services (projects.scenario drives 30
projects to every state of the process, with their notices, objections, needs, ledger and
trail); it is then copied row by row, with bulk inserts, to every community and fund year of
the city. Copies keep every relation (foreign keys remapped), move every date to their own year,
get their own project numbers and tracking codes, and extend the one audit hash chain, so
`verify_audit` and `check_ledger` pass on the result.

    python bench/generate.py                 # 100 communities x 10 fund years x 30 projects
    python bench/generate.py --scale 0.1     # 10 communities x 10 years x 30 projects
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django  # noqa: E402

TEMPLATE_YEAR = 2026  # the newest year the working-day calendar covers
PER_COMMITTEE = 10
# How the template's 30 projects are spread over the states (every state of the process).
MIX = {
    "closed": 12,
    "completion_notice": 2,
    "paid": 1,
    "invoice_signing_2": 1,
    "accepted": 1,
    "inspection": 1,
    "executing": 3,
    "approved": 1,
    "committee_approved": 1,
    "submitted": 2,
    "publicity": 2,
    "consented": 1,
    "consent_requested": 1,
    "draft": 1,
}
APPS = ("projects", "ledger", "publicity", "audit", "supervision")


def setup(fresh: bool) -> None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if fresh and db["ENGINE"].endswith("sqlite3"):
        Path(db["NAME"]).unlink(missing_ok=True)
        Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    django.setup()
    from django.core.management import call_command

    if fresh and not db["ENGINE"].endswith("sqlite3"):
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0, interactive=False)
    if fresh and not db["ENGINE"].endswith("sqlite3"):
        from fundadmin.models import CalendarYear, SpecialDay, SpendingCategory
        from fundadmin.seed import seed_categories, seed_from_chinesecalendar

        seed_categories(SpendingCategory)
        seed_from_chinesecalendar(CalendarYear, SpecialDay)


def domain_models():
    from django.apps import apps

    out = []
    for label in APPS:
        if apps.is_installed(label):
            out += [m for m in apps.get_app_config(label).get_models(include_auto_created=True)]
    return [m for m in out if m._meta.model_name not in {"audithead", "verificationrun"}]


def high_water() -> dict:
    from django.db.models import Max

    return {m: (m.objects.aggregate(x=Max("pk"))["x"] or 0) for m in domain_models()}


def people_for(community, prefix: str) -> dict:
    from fundadmin import services
    from fundadmin.models import User
    from fundadmin.roles import ROLE_SCOPE, Role, ScopeLevel

    people = {}
    for role in Role:
        level = ROLE_SCOPE[role]
        if level == ScopeLevel.SYSTEM:
            continue  # the city-wide roles: bench/run.py grants city oversight once
        key = community.code if level == ScopeLevel.COMMUNITY else community.committee.code
        username = f"{key}-{role.value}"
        user, created = User.objects.get_or_create(username=username, defaults={"full_name": f"{prefix}{role.label}"})
        if created:
            user.set_password("bench")
            user.save()
            scope = {"community": community} if level == ScopeLevel.COMMUNITY else {"committee": community.committee}
            services.role_grant(user=user, role=role, by=None, valid_from=dt.date(2015, 1, 1), **scope)
        people[role] = User.objects.get(pk=user.pk)
    return people


def build_template(community, fund_year, people) -> None:
    """30 projects of one community-year walked through the real services to the MIX states."""
    import time_machine

    from fundadmin.models import SpendingCategory
    from fundadmin.roles import Role
    from fundadmin.workdays import WorkingCalendar
    from ledger.services import appropriation_record
    from projects import scenario
    from projects import services as project_services
    from projects.models import ContractorKind, Status
    from projects.services import LineInput, project_create
    from publicity import services as publicity_services
    from publicity.models import Need, Notice

    calendar = WorkingCalendar()
    tz = dt.timezone(dt.timedelta(hours=8))
    with time_machine.travel(dt.datetime(TEMPLATE_YEAR, 1, 5, 10, tzinfo=tz), tick=False) as traveller:
        appropriation_record(
            fund_year=fund_year, amount=fund_year.allocation, entry_date=dt.date(TEMPLATE_YEAR, 1, 5), by=None
        )
        n = 0
        for state, count in MIX.items():
            for _ in range(count):
                n += 1
                day = dt.date(TEMPLATE_YEAR, 1, 10) + dt.timedelta(days=7 * (n % 30))
                traveller.move_to(dt.datetime.combine(day, dt.time(10), tzinfo=tz))
                for k in range(2):
                    publicity_services.need_record(
                        community=community, content=f"居民诉求{n}-{k}：楼道照明、助老餐", channel=Need.Channel.ONLINE
                    )
                kind = [ContractorKind.ORGANISATION, ContractorKind.INDIVIDUAL][n % 2]
                if state.startswith("invoice"):
                    kind = ContractorKind.ORGANISATION
                project = project_create(
                    community=community,
                    fund_year=fund_year,
                    by=people[Role.COMMUNITY_SECRETARY],
                    fields={
                        "title": f"第{n}号 服务群众项目",
                        "category": SpendingCategory.objects.get(number=1 + n % 5),
                        "description": "为老旧小区居民提供服务",
                        "spending_plan": "购买服务并组织实施",
                        "beneficiaries": "社区居民",
                        "beneficiary_count": 50 + n,
                        "contractor_kind": kind,
                        "contractor_name": "示例服务有限公司" if kind == ContractorKind.ORGANISATION else "张师傅",
                        **{
                            f: True
                            for f in (
                                "decl_not_office",
                                "decl_not_salary",
                                "decl_not_government",
                                "decl_not_funded",
                                "decl_not_property",
                            )
                        },
                    },
                    lines=[LineInput(item="服务费", quantity=Decimal(1), unit="项", unit_price=Decimal(1000 + 37 * n))],
                )
                while project.status != state:
                    assert project.status != Status.CLOSED, f"the scenario does not pass through {state}"
                    step = scenario.STEPS[Status(project.status)]
                    scenario.take_step(project, people)
                    if project.status == Status.PUBLICITY and state != "publicity":
                        notice = Notice.objects.filter(project=project, kind=Notice.Kind.PLAN).last()
                        publicity_services.objection_submit(
                            notice=notice, text="建议扩大受益范围", name="居民", contact=""
                        )
                        from publicity.models import Objection

                        objection = Objection.objects.filter(notice=notice).last()
                        publicity_services.objection_answer(
                            objection=objection, by=people[Role.COMMUNITY_SECRETARY], answer="已研究，下期统筹考虑。"
                        )
                        project_services.objection_decide(
                            objection=objection,
                            by=people[Role.COMMITTEE_MEMBER],
                            upheld=False,
                            decision="异议不成立，维持原方案。",
                        )
                    traveller.move_to(
                        dt.datetime.combine(scenario.next_day(traveller_day(), step, calendar), dt.time(10), tzinfo=tz)
                    )
    from django.core.cache import cache

    cache.clear()


def traveller_day():
    from django.utils import timezone

    return timezone.localdate()


def _shift(value, years: int):
    if years == 0 or value is None:
        return value
    try:
        return value.replace(year=value.year - years)
    except ValueError:  # 29 February
        return value.replace(year=value.year - years, day=28)


def topo(models_):
    order, seen = [], set()

    def visit(m):
        if m in seen:
            return
        seen.add(m)
        for f in m._meta.concrete_fields:
            if f.is_relation and f.related_model in models_ and f.related_model is not m:
                visit(f.related_model)
        order.append(m)

    for m in models_:
        visit(m)
    return order


class Cloner:
    """Copies the template's rows (pk above the high-water mark) into another community-year."""

    def __init__(self, base: dict, template_scope: dict):
        from audit.models import AuditEvent

        self.models = [m for m in topo(list(base)) if m is not AuditEvent]
        self.rows = {m: list(m.objects.filter(pk__gt=base[m]).order_by("pk").values()) for m in self.models}
        self.events = list(AuditEvent.objects.filter(pk__gt=base[AuditEvent]).order_by("seq").values())
        self.scope = template_scope
        self.batch = 5000

    def clone(self, community, fund_year, people, years_back: int, head: list) -> int:
        from audit.models import AuditEvent, canonical_bytes

        t = self.scope
        remap = defaultdict(dict)
        remap["fundadmin.community"][t["community"].pk] = community.pk
        remap["fundadmin.fundyear"][t["fund_year"].pk] = fund_year.pk
        remap["fundadmin.workingcommittee"][t["community"].committee_id] = community.committee_id
        remap["fundadmin.user"] = {t["people"][r].pk: p.pk for r, p in people.items()}
        old_code, new_code = t["community"].code, community.code
        year = TEMPLATE_YEAR - years_back
        total = 0
        from ledger.models import FundAccount

        account = FundAccount.objects.filter(community=community).first()
        for model in self.models:
            label = model._meta.label_lower
            fields = model._meta.concrete_fields
            pending, olds = [], []
            if model is FundAccount and account is not None:
                # One account per community (Art. 17): later years book on the same one.
                remap[label] = {row["id"]: account.pk for row in self.rows[model]}
                continue

            def flush(model=model, label=label, pending=pending, olds=olds):
                nonlocal total
                created = model.objects.bulk_create(pending)
                for old, obj in zip(olds, created, strict=True):
                    remap[label][old] = obj.pk
                total += len(pending)
                pending.clear()
                olds.clear()

            for row in self.rows[model]:
                values = {}
                for f in fields:
                    if f.primary_key:
                        continue
                    v = row[f.attname]
                    if f.is_relation and v is not None:
                        target = f.related_model._meta.label_lower
                        if target == label and v not in remap[label]:
                            flush()
                        if target in remap and v in remap[target]:
                            v = remap[target][v]
                    elif f.get_internal_type() in ("DateField", "DateTimeField"):
                        v = _shift(v, years_back)
                    elif isinstance(v, str):
                        if f.unique and f.name in ("tracking_code",):
                            v = secrets.token_hex(6).upper()
                        elif old_code in v or old_code.upper() in v:
                            v = v.replace(old_code, new_code).replace(old_code.upper(), new_code.upper())
                            v = v.replace(f"-{TEMPLATE_YEAR}-", f"-{year}-")
                    values[f.attname] = v
                pending.append(model(**values))
                olds.append(row["id"] if "id" in row else row[model._meta.pk.attname])
                if len(pending) >= self.batch:
                    flush()
            if pending:
                flush()
        # The trail: the template's events, re-pointed and chained on.
        seq, prev = head
        events = []
        for row in self.events:
            ev = AuditEvent(**{k: v for k, v in row.items() if k not in ("id",)})
            ev.created_at = _shift(ev.created_at, years_back)
            if ev.community_id == t["community"].pk:
                ev.community_id = community.pk
            if ev.actor_id in remap["fundadmin.user"]:
                ev.actor_id = remap["fundadmin.user"][ev.actor_id]
            if ev.project_id is not None:
                ev.project_id = remap["projects.project"].get(ev.project_id, ev.project_id)
            seq += 1
            ev.seq, ev.prev_hash = seq, prev
            ev.hash = prev = ev.compute_hash()
            events.append(ev)
        assert canonical_bytes  # the same canonical form the chain verifier recomputes
        AuditEvent.objects.bulk_create(events, batch_size=self.batch)
        head[:] = [seq, prev]
        return total + len(events)


def generate(communities: int, years: int, projects: int, fresh: bool = True) -> dict:
    setup(fresh)
    from django.db import transaction

    from audit.models import AuditEvent, AuditHead
    from fundadmin.models import Community, FundYear, WorkingCommittee

    assert projects == sum(MIX.values()), "the template has 30 projects; scale communities or years instead"
    started = time.perf_counter()
    committee = WorkingCommittee.objects.create(name="第1街道社区党工委", code="c001", city="示例市")
    community = Community.objects.create(committee=committee, name="第1社区", code="c001-001")
    people = people_for(community, "第1社区")
    base = high_water()
    fund_year = FundYear.objects.create(community=community, year=TEMPLATE_YEAR, allocation=Decimal("100000.00"))
    build_template(community, fund_year, people)
    template_seconds = time.perf_counter() - started
    cloner = Cloner(base, {"community": community, "fund_year": fund_year, "people": people})
    rows = 0
    for c in range(communities):
        committee_no, community_no = divmod(c, PER_COMMITTEE)
        with transaction.atomic():
            if c == 0:
                target = community
            else:
                committee, _ = WorkingCommittee.objects.get_or_create(
                    code=f"c{committee_no + 1:03d}",
                    defaults={"name": f"第{committee_no + 1}街道社区党工委", "city": "示例市"},
                )
                target = Community.objects.create(
                    committee=committee, name=f"第{c + 1}社区", code=f"c{committee_no + 1:03d}-{community_no + 1:03d}"
                )
            cast = people_for(target, target.name)  # role grants write to the trail too
            tip = AuditHead.objects.get(pk=1)
            head = [tip.seq, tip.hash]
            for back in range(years):
                if c == 0 and back == 0:
                    continue
                fy = FundYear.objects.create(
                    community=target, year=TEMPLATE_YEAR - back, allocation=Decimal("100000.00")
                )
                rows += cloner.clone(target, fy, cast, back, head)
            AuditHead.objects.filter(pk=1).update(seq=head[0], hash=head[1])
        print(f"\r  {c + 1}/{communities} communities, {rows} rows copied", end="", flush=True)
    print()
    summary = {
        "communities": communities,
        "fund_years": years,
        "projects_per_year": projects,
        "projects": communities * years * projects,
        "audit_events": AuditEvent.objects.count(),
        "template_seconds": round(template_seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    return summary


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 100 communities (default 1.0)")
    parser.add_argument("--communities", type=int, help="overrides --scale")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--projects", type=int, default=30)
    args = parser.parse_args(argv)
    communities = args.communities or max(1, round(100 * args.scale))
    summary = generate(communities, args.years, args.projects)
    print(json.dumps(summary, ensure_ascii=False))
    return summary


if __name__ == "__main__":
    main()
