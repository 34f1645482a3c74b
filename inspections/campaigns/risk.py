"""Risk-weighted draws (按风险加权的双随机): each target's risk score, from factors and the campaign's weights.

score(school) = Σ weight_f × factor_f(school); the draw's weight of a school is 1 + score, so a school
with nothing against it (or a campaign whose weights are all 0) weighs 1, and the draw stays a uniform
sample. The factors, the weights and each school's factor values and score are written into the draw's
inputs beside the seed, so the record alone repeats the draw and the public page can explain it.

Factors (counted at the moment of the draw):
- open_orders: rectification orders not closed;  overdue_orders: of those, overdue now;
- repeat_findings: findings of the last 12 months on an item that already failed there in the year before;
- clues_12m: clues received in the last 12 months;
- years_since_visit: years since the last check-in (capped at MAX_YEARS; never visited counts MAX_YEARS);
- registered factors: other apps add theirs (selfchecks adds `selfcheck_missed`, self-report disagreement),
  so inspections never imports them.
"""
import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inspections.clues.models import Clue

from inspections.orders.models import Finding, RectificationOrder

from inspections.visits.models import Visit
from inspections.orders.models import overdue_q
from inspections.reports.stats import repeat_findings

YEAR = dt.timedelta(days=365)
MAX_YEARS = 3

FACTOR_LABELS = {
    "open_orders": gettext_lazy("未销号整改通知书"),
    "overdue_orders": gettext_lazy("逾期整改通知书"),
    "repeat_findings": gettext_lazy("重复出现的问题"),
    "clues_12m": gettext_lazy("近12个月线索"),
    "years_since_visit": gettext_lazy("距上次检查年数"),
    "selfcheck_missed": gettext_lazy("自查未报告的问题"),
}
DEFAULT_WEIGHTS = {"open_orders": 1, "overdue_orders": 2, "repeat_findings": 1, "clues_12m": 2,
                   "years_since_visit": 1, "selfcheck_missed": 1}

# name → function(school ids, now) → {school id: value}; filled by other apps' AppConfig.ready().
_REGISTERED: dict[str, Callable] = {}


def register_factor(name: str, provider: Callable) -> None:
    _REGISTERED[name] = provider


def _counts(queryset, field: str = "school_id") -> dict[int, int]:
    return dict(queryset.values_list(field).annotate(n=Count("pk")).order_by())


def _years_since_visit(ids: list[int], now: dt.datetime) -> dict[int, float]:
    last = dict(Visit.objects.filter(school_id__in=ids, checkin_at__isnull=False).values_list("school_id")
                .annotate(at=Max("checkin_at")).order_by())
    return {i: (round(min((now - last[i]) / YEAR, MAX_YEARS), 2) if i in last else MAX_YEARS) for i in ids}


def _built_in(ids: list[int], now: dt.datetime) -> dict[str, dict[int, float]]:
    orders = RectificationOrder.objects.filter(school_id__in=ids).exclude(status=RectificationOrder.Status.CLOSED)
    recent = Finding.objects.filter(school_id__in=ids, found_at__gte=now - YEAR)
    return {
        "open_orders": _counts(orders),
        "overdue_orders": _counts(orders.filter(overdue_q(now))),
        "repeat_findings": _counts(repeat_findings(recent)),
        "clues_12m": _counts(Clue.objects.filter(school_id__in=ids, received_at__gte=now - YEAR)),
        "years_since_visit": _years_since_visit(ids, now),
    }


def factors_for(school_ids, now: dt.datetime) -> dict[str, dict[str, float]]:
    """Per school id (as text, the JSON key): each factor's value now."""
    ids = sorted(int(i) for i in school_ids)
    values = _built_in(ids, now)
    for name, provider in sorted(_REGISTERED.items()):
        values[name] = provider(ids, now)
    return {str(i): {name: float(values[name].get(i, 0)) for name in sorted(values)} for i in ids}


def clean_weights(raw) -> dict[str, float]:
    """The weights a leader sets: known factor names only, numbers from 0 to 100."""
    if not isinstance(raw, dict):
        raise ValidationError({"risk_weights": _("风险权重应为“因素: 权重”的对应表。")})
    known = set(FACTOR_LABELS)
    cleaned = {}
    for name, value in raw.items():
        if name not in known:
            raise ValidationError({f"risk_weights.{name}": _("未知的风险因素。")})
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            number = None
        if number is None or not number.is_finite() or not 0 <= number <= 100:
            raise ValidationError({f"risk_weights.{name}": _("权重应为 0 到 100 之间的数字。")})
        cleaned[name] = float(number)
    return cleaned


def score(factors: dict[str, float], weights: dict[str, float]) -> float:
    return round(sum(weights.get(name, 0.0) * value for name, value in factors.items()), 4)


def risk_inputs(school_ids, weights: dict[str, float], now: dt.datetime) -> dict:
    """What a risk-weighted draw records: the weights, each school's factors and score, and the draw weights."""
    factors = factors_for(school_ids, now)
    scores = {sid: score(values, weights) for sid, values in factors.items()}
    return {"risk": {"weights": dict(sorted(weights.items())), "factors": factors, "scores": scores,
                     "at": now.isoformat()},
            "weights": {sid: round(1.0 + s, 4) for sid, s in scores.items()}}


def explained(values: dict | None) -> list[dict]:
    """Factor values (or weights) as rows with their label, in the order of FACTOR_LABELS, for pages."""
    values = values or {}
    return [{"factor": name, "label": label, "value": values[name]}
            for name, label in FACTOR_LABELS.items() if name in values]
