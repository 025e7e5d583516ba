"""The integrity indicators (Art. 19): one table a supervisor can read top to bottom.

Each kind has its Chinese name, a definition in words a supervisor understands (with the
thresholds of ``settings.INTEGRITY_INDICATORS`` filled in), the articles it serves and why it is
worth a look. An indicator that fires is a reason to open the file, never a finding of
wrongdoing: the supervisor looks, judges and records the reason (docs/indicators.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from fundadmin.formats import money as money_text


class Kind(models.TextChoices):
    CONCENTRATION = "concentration", "承办方集中"
    SPLITTING = "splitting", "疑似拆分项目规避限额"
    YEAR_END_PAYMENTS = "year_end_payments", "年底集中支付"
    YEAR_END_APPROVALS = "year_end_approvals", "年底集中审批"
    LOW_SATISFACTION_PAID = "low_satisfaction_paid", "群众满意度低仍付款"
    CHANGE_RAISE = "change_raise", "变更追加金额"
    LATE_APPROVAL = "late_approval", "审批超过第十一条期限"
    OBJECTION_UPHELD = "objection_upheld", "居民异议成立"
    OPINION_UNANSWERED = "opinion_unanswered", "监督意见久未答复"
    CONTACT_MATCH = "contact_match", "承办方与任职人员信息相同"
    UNIT_PRICE = "unit_price", "单价明显高于全市中位数"
    NO_INVOICE_SHARE = "no_invoice_share", "无发票支付占比高"


# Every setting an indicator reads; their values live in one dict, settings.INTEGRITY_INDICATORS
# (fundadmin/settings/base.py, where each is explained).
SETTING_KEYS = (
    "concentration_min_projects",
    "concentration_community_share",
    "concentration_committee_share",
    "splitting_limits",
    "splitting_small_group_line",
    "splitting_margin",
    "splitting_window_days",
    "year_end_days",
    "year_end_share",
    "low_satisfaction_percent",
    "change_raise_share",
    "change_repeat_count",
    "late_approval_grace_working_days",
    "opinion_unanswered_working_days",
    "unit_price_ratio",
    "unit_price_min_lines",
    "unit_price_skip_words",
    "no_invoice_share",
    "no_invoice_min_amount",
)


def thresholds() -> dict[str, object]:
    """The thresholds in force, from ``settings.INTEGRITY_INDICATORS``; numbers other than counts
    become Decimal so that money and shares are never floats. A missing or unknown key is a
    configuration error, said at once rather than guessed."""
    configured = dict(settings.INTEGRITY_INDICATORS)
    missing = [k for k in SETTING_KEYS if k not in configured]
    unknown = [k for k in configured if k not in SETTING_KEYS]
    if missing or unknown:
        raise ImproperlyConfigured(f"INTEGRITY_INDICATORS: missing {missing}, unknown {unknown}")
    out: dict[str, object] = {}
    for key, value in configured.items():
        if isinstance(value, bool | int):  # flags and counts as they are
            out[key] = value
        elif isinstance(value, list | tuple):  # words
            out[key] = tuple(str(v) for v in value)
        elif isinstance(value, dict):
            out[key] = {str(k): Decimal(str(v)) for k, v in value.items()}
        else:
            out[key] = Decimal(str(value))
    return out


def thresholds_json(t: dict) -> dict:
    """The thresholds as a run stores them (strings for Decimal)."""
    return {
        k: (
            {n: str(a) for n, a in v.items()}
            if isinstance(v, dict)
            else list(v)
            if isinstance(v, tuple)
            else v
            if isinstance(v, bool | int)
            else str(v)
        )
        for k, v in t.items()
    }


def _pct(share) -> str:
    value = (Decimal(share) * 100).normalize()
    return f"{value:f}%"


def _yuan(amount) -> str:
    return money_text(amount)


MEASURES = {
    "share": lambda v: f"{(Decimal(v) * 100).quantize(Decimal('0.1'))}%",
    "percent": lambda v: f"{Decimal(v).quantize(Decimal('0.1'))}%",
    "yuan": money_text,
    "working_days": lambda v: f"{int(v)} 个工作日",
    "ratio": lambda v: f"{Decimal(v).quantize(Decimal('0.01'))} 倍",
    "count": lambda v: f"{int(v)}",
}


@dataclass(frozen=True)
class KindSpec:
    kind: Kind
    articles: str
    why: str
    measure: str  # how its figure reads (MEASURES)
    measure_label: str  # what its figure is

    @property
    def name(self) -> str:
        return self.kind.label

    def format(self, value) -> str:
        return MEASURES[self.measure](value)

    def definition(self, t: dict | None = None) -> str:
        return DEFINITIONS[self.kind](t or thresholds())


DEFINITIONS = {
    Kind.CONCENTRATION: lambda t: (
        f"同一承办单位或收款人在一个年度里承接某社区 {t['concentration_min_projects']} 个以上项目，"
        f"或所得金额达到该社区当年经费总额（年度经费加上年结余）的 {_pct(t['concentration_community_share'])} 以上；"
        f"或在一个党工委所辖的两个以上社区承接项目，金额合计达到这些社区当年经费总额的 "
        f"{_pct(t['concentration_committee_share'])} 以上。按承办方名称比对（忽略空格和全半角）。"
    ),
    Kind.SPLITTING: lambda t: (
        f"同一社区、同一使用范围、同一承办方在 {t['splitting_window_days']} 天内申报的两个以上项目，"
        f"每个金额都略低于某一限额（低于限额不超过 {_pct(t['splitting_margin'])}），合计却超过该限额。"
        "限额为："
        + "、".join(f"{name} {_yuan(amount)}" for name, amount in t["splitting_limits"].items())
        + ("；以及当年受益群体较小项目的20%上限（第七条第二项）" if t["splitting_small_group_line"] else "")
        + "。"
    ),
    Kind.YEAR_END_PAYMENTS: lambda t: (
        f"某社区在经费年度最后 {t['year_end_days']} 天（12月31日前）支付的金额，"
        f"达到该年度全部项目支付金额的 {_pct(t['year_end_share'])} 以上。"
    ),
    Kind.YEAR_END_APPROVALS: lambda t: (
        f"某社区在经费年度最后 {t['year_end_days']} 天获批的项目金额，"
        f"达到该年度全部获批金额的 {_pct(t['year_end_share'])} 以上。"
    ),
    Kind.LOW_SATISFACTION_PAID: lambda t: (
        f"项目验收时居民满意度低于 {t['low_satisfaction_percent']}%（满意人数÷调查人数），仍然结算付款。"
    ),
    Kind.CHANGE_RAISE: lambda t: (
        f"实施中的变更申请（已同意或待决定）使项目金额比批准时累计提高 {_pct(t['change_raise_share'])} 以上，"
        f"或同一项目提高金额的变更达到 {t['change_repeat_count']} 次。"
    ),
    Kind.LATE_APPROVAL: lambda t: (
        "党工委收到申请审批表后，超过5个工作日（第十一条；当天不计入，自次日起算）才作出批准或不予批准的决定"
        + (
            f"，且超过 {t['late_approval_grace_working_days']} 个工作日以上"
            if t["late_approval_grace_working_days"]
            else ""
        )
        + "。"
    ),
    Kind.OBJECTION_UPHELD: lambda t: (
        "居民在公示期内对项目方案提出的异议，经党工委认定成立（第十条），方案因此退回修改或暂时搁置。"
    ),
    Kind.OPINION_UNANSWERED: lambda t: (
        f"议事监督委员会提出的监督意见，超过 {t['opinion_unanswered_working_days']} 个工作日"
        "（提出当天不计入，自次日起算）仍未得到社区党委或党工委的答复（第十四条）。"
    ),
    Kind.CONTACT_MATCH: lambda t: (
        "项目承办方或收款人的联系电话或姓名，与本社区或本党工委当年任职人员（社区党委、党工委、建管委、"
        "财务人员、议事监督委员会成员）登记的手机号码或姓名相同。"
    ),
    Kind.UNIT_PRICE: lambda t: (
        f"预算明细中某一物品或服务的单价，达到全市同一年度同名、同单位明细单价中位数的 {t['unit_price_ratio']} 倍以上"
        f"（至少有 {t['unit_price_min_lines']} 条可比明细时才比较；名称含"
        + "、".join(f"“{w}”" for w in t["unit_price_skip_words"])
        + "的汇总明细不比较）。"
    ),
    Kind.NO_INVOICE_SHARE: lambda t: (
        "某社区一个年度的项目支付中，走无发票支付路径（个人承办人、直接发放给个人的帮扶资金，第十三条）的金额"
        f"占 {_pct(t['no_invoice_share'])} 以上，且不少于 {_yuan(t['no_invoice_min_amount'])}。"
    ),
}

SPECS: dict[Kind, KindSpec] = {
    spec.kind: spec
    for spec in [
        KindSpec(
            Kind.CONCENTRATION,
            "第七条、第十二条、第十九条",
            "少数承办方长期包揽项目，可能说明没有比选，或存在关系户、利益输送。",
            "share",
            "占经费总额的比例",
        ),
        KindSpec(
            Kind.SPLITTING,
            "第七条第二项、第十一条、第十二条",
            "把一个项目拆成几个小项目，可以绕开采购、审批或20%上限的要求。",
            "yuan",
            "拆分项目合计金额",
        ),
        KindSpec(
            Kind.YEAR_END_PAYMENTS,
            "第六条、第十三条",
            "年底突击花钱往往是为了“把钱花完”；当年结余本可以结转下年继续使用（第十三条）。",
            "share",
            "年底支付占全年的比例",
        ),
        KindSpec(
            Kind.YEAR_END_APPROVALS,
            "第六条、第十一条、第十三条",
            "年底赶着批项目，需求调查、联席会议和公示可能走了过场。",
            "share",
            "年底批准占全年的比例",
        ),
        KindSpec(
            Kind.LOW_SATISFACTION_PAID,
            "第十二条、第十三条",
            "验收要看项目质量和群众满意度；群众不满意仍全额付款，可能是验收走了过场。",
            "percent",
            "验收满意度",
        ),
        KindSpec(
            Kind.CHANGE_RAISE,
            "第十一条",
            "先以低价获批、再通过变更追加金额，可以绕开联席会议和公示时群众对金额的监督。",
            "share",
            "比批准时累计提高",
        ),
        KindSpec(
            Kind.LATE_APPROVAL,
            "第十一条",
            "审批拖延会耽误群众急需的服务，也可能是在等待“打招呼”。",
            "working_days",
            "超过期限",
        ),
        KindSpec(
            Kind.OBJECTION_UPHELD,
            "第七条、第十条",
            "异议成立说明方案本身有问题；同一社区反复出现，值得查看方案是怎样形成的。",
            "count",
            "成立的异议",
        ),
        KindSpec(
            Kind.OPINION_UNANSWERED,
            "第十四条",
            "监督意见必须得到答复；长期不答复，监督就失去了作用。",
            "working_days",
            "未答复的时间",
        ),
        KindSpec(
            Kind.CONTACT_MATCH,
            "第十四条、第十九条",
            "承办方或收款人就是任职人员本人或与其共用电话，可能存在利益冲突，或私分、侵占经费。",
            "count",
            "信息相同的任职人员",
        ),
        KindSpec(
            Kind.UNIT_PRICE,
            "第十二条、第十八条",
            "同样的东西价格明显偏高，可能是虚高报价、以次充好或回扣。",
            "ratio",
            "单价为全市中位数的",
        ),
        KindSpec(
            Kind.NO_INVOICE_SHARE,
            "第十三条、第十七条",
            "无发票支付是为个人承办和帮扶资金设的例外；占比过高时，凭证更容易虚构。",
            "share",
            "无发票支付占全年的比例",
        ),
    ]
}
