"""The key figures a filer reports with its document (质量年度报告: enrolment, employment rate, ...).

A filing request names its figures (`figure_spec`: key, label, unit); a filing gives a number for each.
Bad input is a ValidationError naming the field (`figures.<key>`), so the API answers 400 with it.
"""
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# The quality report's figures, as the demo and the API's default ask for them. Labels are msgids:
# stored in Chinese, shown in the reader's language by the templates (`trans` on the label).
QUALITY_REPORT_FIGURES = [
    {"key": "enrolment", "label": gettext_noop("在校生人数"), "unit": gettext_noop("人")},
    {"key": "employment_rate", "label": gettext_noop("毕业生就业率"), "unit": "%"},
    {"key": "dual_teacher_share", "label": gettext_noop("“双师型”教师占比"), "unit": "%"},
    {"key": "equipment_per_student", "label": gettext_noop("生均教学仪器设备值"), "unit": gettext_noop("元")},
]
PERCENT = "%"
LIMIT = Decimal("1e12")


def _number(raw, key: str, unit: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or value < 0 or value >= LIMIT:
        raise ValidationError({f"figures.{key}": _("请填写不小于 0 的数字。")})
    if unit == PERCENT and value > 100:
        raise ValidationError({f"figures.{key}": _("百分比不能超过 100。")})
    return value.quantize(Decimal("0.01"))


def clean_figures(spec: list[dict], given: dict | None) -> dict[str, str]:
    """Every figure of `spec`, as a decimal string; a missing, extra or non-numeric one is refused by name."""
    given = dict(given or {})
    unknown = sorted(set(given) - {item["key"] for item in spec})
    if unknown:
        raise ValidationError({f"figures.{unknown[0]}": _("备案要求中没有这个数据项。")})
    cleaned = {}
    for item in spec:
        raw = given.get(item["key"])
        if raw is None or str(raw).strip() == "":
            raise ValidationError({f"figures.{item['key']}": _("请填写该数据项。")})
        cleaned[item["key"]] = str(_number(raw, item["key"], item.get("unit", "")))
    return cleaned


def rows(spec: list[dict], figures: dict) -> list[dict]:
    """(label, value, unit) in the spec's order, for the page and the export."""
    return [{"key": item["key"], "label": item["label"], "unit": item.get("unit", ""),
             "value": figures.get(item["key"])} for item in spec]
