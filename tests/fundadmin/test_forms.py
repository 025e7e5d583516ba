"""Forms speak to people: every message names its field, every money field reads plain decimals
only, and money and dates are written one way (issue 13, points 4 and 6; UX.md "Words")."""

import contextlib
import copy
import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template import Context, Template

from fundadmin import formats
from fundadmin.forms import DecimalNumberField, Form, MoneyField, QuantityField, SpecificErrorsMixin

APPS = ("fundadmin", "projects", "ledger", "publicity", "supervision", "audit")
GENERIC = "这个字段是必填项。"


def _project_forms() -> list[type[forms.BaseForm]]:
    for app in APPS:
        for module in ("forms", "admin"):
            with contextlib.suppress(ModuleNotFoundError):
                importlib.import_module(f"{app}.{module}")
    found, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in APPS and "Mixin" not in cls.__name__:
            found.append(cls)
    return found


FORMS = _project_forms()


def test_the_project_has_forms_to_check():
    names = {cls.__name__ for cls in FORMS}
    assert {"ProjectForm", "BudgetLineForm", "AppropriationForm", "OpinionForm", "ObjectionForm"} <= names


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_form_names_its_fields_in_its_messages(form_class):
    assert issubclass(form_class, SpecificErrorsMixin), "derive from fundadmin.forms.Form or ModelForm"


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_decimal_field_is_a_plain_number_field(form_class):
    for name, field in form_class.base_fields.items():
        if isinstance(field, forms.DecimalField):
            assert isinstance(field, DecimalNumberField), f"{form_class.__name__}.{name}: use MoneyField"


MONEY_FIELDS = [
    (cls, name)
    for cls in FORMS
    for name, field in cls.base_fields.items()
    if isinstance(field, MoneyField | QuantityField)
]


def test_the_money_fields_are_found():
    assert len(MONEY_FIELDS) >= 7  # unit price, quantity, change, invoice, settlement, appropriation, allocation


@pytest.mark.parametrize(
    "typed", ["1e5", "1E5", "1e+5", "2.5e3", "inf", "-inf", "NaN", "nan", "Infinity", "1_000", "0x10"]
)
@pytest.mark.parametrize("form_field", MONEY_FIELDS, ids=lambda f: f"{f[0].__name__}.{f[1]}")
def test_every_money_field_refuses_exponent_and_non_decimal_notations(form_field, typed):
    form_class, name = form_field
    field = copy.deepcopy(form_class.base_fields[name])
    with pytest.raises(ValidationError) as refused:
        field.clean(typed)
    message = refused.value.messages[0]
    assert "这个" not in message and "Enter" not in message
    if "e" in typed.lower() and typed[0].isdigit() and "x" not in typed:
        assert "科学计数法" in message and refused.value.code == "exponent"


def test_money_field_reads_what_people_type():
    field = MoneyField(label="单价（元）")
    assert field.clean("１２,０００.５") == Decimal("12000.5")
    assert field.clean(" 12000元 ") == Decimal("12000")
    assert field.clean(".5") == Decimal("0.5")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "请填写单价。"),
        ("1.234", formats.TOO_MANY_DECIMALS),
        ("0", "单价须大于零。"),
        ("abc", "单价请填写数字，例如 1234.50。"),
        ("1000000000000", "单价过大：最多 999,999,999,999.99 元。"),
    ],
)
def test_money_messages_name_the_field(typed, message):
    with pytest.raises(ValidationError) as refused:
        MoneyField(label="单价（元）").clean(typed)
    assert refused.value.messages == [message]


def test_too_many_decimals_reads_the_same_on_every_money_field():
    seen = set()
    for form_class, name in MONEY_FIELDS:
        field = copy.deepcopy(form_class.base_fields[name])
        if isinstance(field, MoneyField) and field.decimal_places == 2:
            with pytest.raises(ValidationError) as refused:
                field.clean("1.234")
            seen.add(refused.value.messages[0])
    assert seen == {formats.TOO_MANY_DECIMALS}


class _Sample(Form):
    title = forms.CharField(label="项目名称", max_length=5)
    count = forms.IntegerField(label="受益人数（人）", min_value=1)
    day = forms.DateField(label="会议日期")
    choice = forms.ChoiceField(label="付款方式", choices=[("a", "现金")])
    agree = forms.BooleanField(label="已阅读")
    kept = forms.CharField(label="理由", error_messages={"required": "请写明理由。"})


def test_default_messages_are_replaced_by_ones_that_name_the_field():
    form = _Sample({"title": "太长的项目名称", "count": "0", "day": "昨天", "choice": "b"})
    assert not form.is_valid()
    assert form.errors == {
        "title": ["项目名称最多 5 个字（现在 7 个）。"],
        "count": ["受益人数不能小于 1。"],
        "day": ["会议日期请按 2026-10-09 的格式填写。"],
        "choice": ["所选的付款方式不在可选范围内，请重新选择。"],
        "agree": ["请勾选“已阅读”。"],
        "kept": ["请写明理由。"],  # a message the form chose itself stays
    }
    assert GENERIC not in str(_Sample({}).errors)


# -- formats ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "money", "figure"),
    [
        (Decimal("12000"), "12,000.00 元", "12,000.00"),
        ("51800", "51,800.00 元", "51,800.00"),
        ("7040.00", "7,040.00 元", "7,040.00"),
        (Decimal("-1234.5"), "-1,234.50 元", "-1,234.50"),
        (Decimal("0"), "0.00 元", "0.00"),
        (None, "—", "—"),
        ("", "—", "—"),
    ],
)
def test_money_is_written_one_way(value, money, figure):
    assert formats.money(value) == money and formats.money_figure(value) == figure


def test_dates_one_way_in_tables_one_in_prose():
    day = dt.date(2026, 10, 9)
    assert formats.date_table(day) == "2026-10-09" and formats.date_prose(day) == "2026年10月9日"
    assert formats.date_prose("2026-10-09") == "2026年10月9日"  # from a notice's frozen snapshot
    moment = dt.datetime(2026, 10, 9, 6, 30, tzinfo=dt.UTC)  # 14:30 in Beijing
    assert formats.datetime_table(moment) == "2026-10-09 14:30"
    assert formats.datetime_prose(moment) == "2026年10月9日 14:30"
    assert formats.date_table(moment) == "2026-10-09"
    assert formats.date_prose(None) == "" and formats.quantity(Decimal("1.00")) == "1"
    assert formats.quantity("2.50") == "2.5" and formats.quantity(Decimal("12000")) == "12,000"


def test_the_filters_are_in_every_template_without_load():
    out = Template("{{ a|money }}|{{ a|money_figure }}|{{ d|date_table }}|{{ d|date_prose }}|{{ q|quantity }}").render(
        Context({"a": Decimal("12000"), "d": dt.date(2026, 10, 9), "q": Decimal("40.00")})
    )
    assert out == "12,000.00 元|12,000.00|2026-10-09|2026年10月9日|40"
