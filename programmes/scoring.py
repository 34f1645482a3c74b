"""The scorecard formula of 绩效评价, as pure functions: one home for how inputs become a score and a rank.

Each input is a share in 0..1, or absent (None) when the unit has nothing it could be measured on:

    score = 100 × Σ w_i · x_i / Σ w_i      over the inputs present for the unit

so a school with no programme task is scored on what it does have, not punished for what it was never
given. `self_inspection_agreement` is the share of what the inspectors found that the school had itself
reported in a signed self-inspection (自查, selfchecks); absent where no school of the unit self-inspected. The scheme (weights, severity points, the findings cap)
is stored on each evaluation version, so a published result is always recomputable from its own record.
"""
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

TASK_PROGRESS = "task_progress"
FILING_ON_TIME = "filing_on_time"
FINDINGS = "findings"
RECTIFICATION_ON_TIME = "rectification_on_time"
REPEAT_FINDINGS = "repeat_findings"
SELF_INSPECTION_AGREEMENT = "self_inspection_agreement"

INPUTS = {
    TASK_PROGRESS: _("任务进展：所负责任务各指标完成度的平均值"),
    FILING_ON_TIME: _("按期备案：评价期内截止的备案（工作方案、质量年度报告）中按期报送的比例"),
    FINDINGS: _("检查问题：1 − 按严重程度计分的问题分 ÷ 学校数 ÷ 封顶分（不低于 0）"),
    RECTIFICATION_ON_TIME: _("整改按期率：期限在评价期内的整改通知书中按期销号的比例（未到期未销号的不计）"),
    REPEAT_FINDINGS: _("重复问题：1 − 重复问题数 ÷ 问题数"),
    SELF_INSPECTION_AGREEMENT: _("自查一致性：检查组发现的问题中学校自查已报告的比例；无自查则不计入"),
}

DEFAULT_SCHEME = {
    "weights": {TASK_PROGRESS: 30, FILING_ON_TIME: 15, FINDINGS: 20, RECTIFICATION_ON_TIME: 20,
                REPEAT_FINDINGS: 10, SELF_INSPECTION_AGREEMENT: 5},
    "severity_points": {"general": 1, "serious": 3, "major": 6},
    "findings_cap": 10,
}
HUNDRED, CENT = Decimal(100), Decimal("0.01")


def share(numerator, denominator) -> Decimal | None:
    return None if not denominator else Decimal(numerator) / Decimal(denominator)


def findings_value(points, schools: int, cap) -> Decimal | None:
    """1 − points per school ÷ cap, never below 0; absent for a unit with no school."""
    if not schools:
        return None
    return max(Decimal(0), 1 - Decimal(points) / Decimal(schools) / Decimal(cap))


def score(values: dict, weights: dict) -> Decimal:
    """The weighted mean of the present inputs, ×100, rounded half up to 0.01; 0 when none is present."""
    present = {k: Decimal(str(v)) for k, v in values.items() if v is not None and Decimal(str(weights.get(k, 0)))}
    total = sum(Decimal(str(weights[k])) for k in present)
    if not total:
        return Decimal("0.00")
    weighted = sum(Decimal(str(weights[k])) * v for k, v in present.items())
    return (HUNDRED * weighted / total).quantize(CENT, rounding=ROUND_HALF_UP)


def ranks(scores: list[Decimal]) -> list[int]:
    """Competition ranks (1, 2, 2, 4) of `scores`, in their order."""
    ordered = sorted(scores, reverse=True)
    return [ordered.index(s) + 1 for s in scores]


def clean_scheme(raw: dict) -> dict:
    """A scheme from the form or the API: every weight a number ≥ 0, at least one above 0 (ValueError names it)."""
    unknown = sorted(set(raw.get("weights", {})) - set(INPUTS))
    if unknown:
        raise ValueError(f"weights.{unknown[0]}")
    weights = {}
    for key in INPUTS:
        weights[key] = _non_negative(raw.get("weights", {}).get(key, 0), f"weights.{key}")
    if not any(weights.values()):
        raise ValueError("weights")
    points = {k: _non_negative(raw.get("severity_points", {}).get(k, v), f"severity_points.{k}")
              for k, v in DEFAULT_SCHEME["severity_points"].items()}
    cap = _non_negative(raw.get("findings_cap", DEFAULT_SCHEME["findings_cap"]), "findings_cap")
    if not cap:
        raise ValueError("findings_cap")
    return {"weights": weights, "severity_points": points, "findings_cap": cap}


def _non_negative(raw, field: str):
    try:
        value = Decimal(str(raw).strip())
    except Exception:
        raise ValueError(field) from None
    if not value.is_finite() or value < 0 or value > 1000:
        raise ValueError(field)
    return int(value) if value == value.to_integral_value() else float(value)


def formula(scheme: dict) -> str:
    """The formula in words with this version's weights, as the page shows it."""
    # In INPUTS order: PostgreSQL's jsonb does not keep the stored key order.
    terms = " + ".join(f"{scheme['weights'][key]}×{key}" for key in INPUTS if scheme["weights"].get(key))
    return f"100 × ({terms}) ÷ Σw"
