"""Art. 19: the integrity indicators. A clean city fires none; each scenario of
tests/supervision/indicator_world.py fires exactly its own indicator; the thresholds come from
settings; a finding keeps its identity, its judgements and every version of its evidence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from audit.models import AuditEvent, AuditHead
from fundadmin.roles import Role
from supervision.indicators.kinds import SPECS, Kind
from supervision.indicators.services import finding_review, indicators_compute
from supervision.models import Finding, FindingReview, FindingVersion, IndicatorRun
from tests.projects.helpers import Clock
from tests.supervision import indicator_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(time_machine):
    return indicator_world.clean_world(Clock(time_machine, start=indicator_world.START))


def fired(run: IndicatorRun) -> set[str]:
    return set(Finding.objects.filter(last_run=run).values_list("kind", flat=True))


def test_the_clean_city_fires_nothing(world):
    run = indicators_compute()
    assert run.fired == 0 and not Finding.objects.exists()
    assert run.trail_seq == AuditHead.objects.get().seq - 1  # the run's own event comes after


@pytest.mark.parametrize("kind", list(indicator_world.SCENARIOS), ids=lambda k: k.value)
def test_each_scenario_fires_its_own_indicator_only(world, kind):
    indicator_world.SCENARIOS[kind](world)
    run = indicators_compute()
    assert fired(run) == {kind.value}
    finding = Finding.objects.get(kind=kind)
    assert finding.summary and finding.evidence
    assert finding.committee_id == world.a.community.committee_id
    assert finding.community_id == world.a.community.pk and finding.year == 2026
    assert any(e["type"] in ("project", "payment", "objection", "opinion") for e in finding.evidence)
    assert finding.versions.count() == 1 and finding.first_run == run


def test_a_contractor_across_the_committee_fires_at_committee_level(world):
    indicator_world.concentration_committee(world)
    run = indicators_compute()
    assert fired(run) == {Kind.CONCENTRATION.value}
    finding = Finding.objects.get()
    assert finding.community is None and finding.committee == world.a.community.committee
    assert finding.value == Decimal("0.1200")
    assert {e["community_id"] for e in finding.evidence} == {world.a.community.pk, world.a2.community.pk}


def test_thresholds_come_from_settings(world, settings):
    # The clean city's acceptances had 28 of 30 residents satisfied (93.3%).
    settings.INTEGRITY_INDICATORS = {**settings.INTEGRITY_INDICATORS, "low_satisfaction_percent": Decimal("95")}
    run = indicators_compute()
    assert fired(run) == {Kind.LOW_SATISFACTION_PAID.value}
    assert run.thresholds["low_satisfaction_percent"] == "95"
    assert Finding.objects.filter(kind=Kind.LOW_SATISFACTION_PAID).count() == 5


def test_an_unknown_setting_is_a_configuration_error(world, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.INTEGRITY_INDICATORS = {**settings.INTEGRITY_INDICATORS, "no_such_threshold": 1}
    with pytest.raises(ImproperlyConfigured):
        indicators_compute()
    assert not IndicatorRun.objects.exists()


def test_every_kind_has_a_name_definition_and_article():
    assert set(SPECS) == set(Kind) and len(Kind) >= 10
    for spec in SPECS.values():
        assert spec.name and "第" in spec.articles and spec.why
        assert len(spec.definition()) > 30


def test_a_finding_keeps_its_identity_and_every_version(world):
    indicator_world.concentration(world)
    first = indicators_compute()
    finding = Finding.objects.get()
    again = indicators_compute()
    finding.refresh_from_db()
    assert finding.first_run == first and finding.last_run == again
    assert finding.versions.count() == 1  # nothing changed
    # A fourth project of the same contractor changes the evidence: a new version, the old kept.
    world.clock.to(dt.date(2026, 11, 16))
    indicator_world.project(world.a, amount=Decimal("3000.00"), name="长盛物业服务有限公司", item="公共区域保洁")
    indicator_world.walk(world.a.projects[-1], world.a.people, indicator_world.Status.APPROVED, world.clock)
    third = indicators_compute()
    finding.refresh_from_db()
    assert Finding.objects.count() == 1 and finding.last_run == third
    versions = list(FindingVersion.objects.filter(finding=finding).order_by("pk"))
    assert len(versions) == 2 and len(versions[0].evidence) == 3 and len(versions[1].evidence) == 4
    assert "4 个项目" in finding.summary


def test_a_finding_that_no_longer_fires_stays_on_record(world):
    indicator_world.opinion_unanswered(world)
    indicators_compute()
    from supervision import services as supervision_services
    from supervision.models import Opinion

    supervision_services.opinion_answer(
        opinion=Opinion.objects.get(), by=world.a.people[Role.COMMUNITY_SECRETARY], answer="已补充照片"
    )
    run = indicators_compute()
    assert fired(run) == set() and Finding.objects.count() == 1


def test_a_supervisor_judges_a_finding_with_a_reason_kept_in_the_trail(world):
    indicator_world.late_approval(world)
    indicators_compute()
    finding = Finding.objects.get()
    supervisor = world.a.people[Role.SUPERVISOR]
    before = AuditEvent.objects.count()
    review = finding_review(
        finding=finding, by=supervisor, verdict="explained", reason="国庆调休，班子会议顺延，已说明"
    )
    event = AuditEvent.objects.get(seq__gt=before)
    assert event.action == "indicator.review" and event.community == world.a.community
    assert event.actor == supervisor and "国庆调休" in event.reason
    assert review.evidence_hash == finding.evidence_hash
    with pytest.raises(ValidationError):
        review.delete()
    with pytest.raises(ValidationError):
        review.reason = "改写"
        review.save()
    with pytest.raises(ValidationError):
        finding.delete()
    assert FindingReview.objects.get().reason == "国庆调休，班子会议顺延，已说明"


@pytest.mark.parametrize(
    "role", [r for r in Role if r not in (Role.SUPERVISOR, Role.SYSTEM_ADMIN, Role.CITY_OVERSIGHT)]
)
def test_only_the_communitys_supervisors_judge(world, role):
    indicator_world.late_approval(world)
    indicators_compute()
    with pytest.raises(PermissionDenied):
        finding_review(finding=Finding.objects.get(), by=world.a.people[role], verdict="explained", reason="看过了")
    with pytest.raises(PermissionDenied):  # the supervisor of the sibling community
        finding_review(
            finding=Finding.objects.get(), by=world.a2.people[Role.SUPERVISOR], verdict="explained", reason="看过了"
        )
    assert not FindingReview.objects.exists()


def test_a_judgement_needs_a_reason(world):
    indicator_world.late_approval(world)
    indicators_compute()
    with pytest.raises(ValidationError, match="请填写判断理由"):
        finding_review(
            finding=Finding.objects.get(), by=world.a.people[Role.SUPERVISOR], verdict="explained", reason=" "
        )
    with pytest.raises(ValidationError, match="请选择判断结果"):
        finding_review(
            finding=Finding.objects.get(), by=world.a.people[Role.SUPERVISOR], verdict="maybe", reason="看过"
        )
    assert not FindingReview.objects.exists()


def test_the_daily_command_runs_once_per_day_for_the_cluster(world, capsys):
    indicator_world.concentration(world)
    call_command("compute_indicators", "--once-per-day")
    call_command("compute_indicators", "--once-per-day")
    out = capsys.readouterr().out
    assert IndicatorRun.objects.count() == 1
    assert "承接" not in out and "承办方集中 1" in out and "本次跳过" in out
    assert IndicatorRun.objects.get().trigger == IndicatorRun.Trigger.SCHEDULED


def test_the_readme_lists_every_indicator_with_its_definition():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for spec in SPECS.values():  # with the default thresholds of fundadmin/settings/base.py
        assert f"| {spec.name} | {spec.definition()} | {spec.articles} |" in readme, spec.name
    assert "docs/indicators.md" in readme


def test_a_summary_line_is_not_compared_as_one_item(world):
    # "宣传及其他" is several things at once: at three times the others it fires nothing.
    for where in (world.a, world.a2, world.b):
        for amount in ("500.00", "520.00"):
            world.clock.to(dt.date(2026, 10, 12))
            indicator_world.walk(
                indicator_world.project(where, amount=Decimal(amount), item="宣传及其他", unit="项"),
                where.people,
                indicator_world.Status.APPROVED,
                world.clock,
            )
    world.clock.to(dt.date(2026, 10, 12))
    indicator_world.walk(
        indicator_world.project(world.a, amount=Decimal("1600.00"), item="宣传及其他", unit="项"),
        world.a.people,
        indicator_world.Status.APPROVED,
        world.clock,
    )
    assert fired(indicators_compute()) == set()


def test_the_trail_reads_the_indicators_writes_in_words(world):
    from audit.sentences import sentence

    indicator_world.late_approval(world)
    run = indicators_compute()
    finding_review(
        finding=Finding.objects.get(), by=world.a.people[Role.SUPERVISOR], verdict="follow_up", reason="请说明"
    )
    computed, reviewed = AuditEvent.objects.filter(action__startswith="indicator.").order_by("seq")
    assert sentence(computed) == (
        f"系统计算廉政预警（每日定时计算）：1 项触发，其中新增 1 项，依据截至审计链第 {run.trail_seq} 号事件的数据。"
    )
    text = sentence(reviewed)
    assert "判断廉政预警「审批超过第十一条期限：" in text and "为需要跟进" in text and "“请说明”" in text
