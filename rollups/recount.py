"""The rollup recounted from the orders: what check_rollups reports and repairs."""
from collections import Counter

from django.db import transaction
from django.db.models import Case, Count, F, Q, When
from django.db.models.functions import TruncDate, TruncMonth

from inspections.models import RectificationOrder
from workflows.calendar import SHANGHAI, WorkingDayIndex

from .models import OPEN_DAYS, OrderRollup

CLOSED = RectificationOrder.Status.CLOSED


def _groups() -> list[tuple]:
    """(school, period, status, severity, issue day, closing day, on time, n); the days only on closed orders
    with a closing time, which is when the rollup keeps closure figures (rollups.services.closure_of)."""
    done = Q(status=CLOSED, closed_at__isnull=False)
    return list(RectificationOrder.objects.annotate(
        period=TruncMonth("issued_at", tzinfo=SHANGHAI),
        issued_day=Case(When(done, then=TruncDate("issued_at", tzinfo=SHANGHAI))),
        closed_day=Case(When(done, then=TruncDate("closed_at", tzinfo=SHANGHAI))),
        in_time=Case(When(done & Q(closed_at__lte=F("deadline__due_at")), then=True), default=False),
    ).values_list("school_id", "period", "status", "severity", "issued_day", "closed_day", "in_time")
        .annotate(n=Count("pk")).order_by())


def recounted() -> dict[tuple, int]:
    """(school, period, status, severity, closed_days, on_time) → orders, counted from the orders table now."""
    groups = _groups()
    closed = [g for g in groups if g[5] is not None]
    index = WorkingDayIndex(min(g[4] for g in closed), max(max(g[5] for g in closed), max(g[4] for g in closed))) \
        if closed else None
    counts: Counter = Counter()
    for school, period, status, severity, issued_day, closed_day, in_time, n in groups:
        days = OPEN_DAYS if closed_day is None else index.between(issued_day, closed_day)
        counts[(school, _as_date(period), status, severity, days, bool(in_time))] += n
    return dict(counts)


def stored() -> dict[tuple, int]:
    rows = OrderRollup.objects.exclude(orders=0).values_list(
        "school_id", "period", "status", "severity", "closed_days", "on_time", "orders")
    return {tuple(row[:-1]): row[-1] for row in rows}


def differences() -> dict[tuple, tuple[int, int]]:
    """Buckets where the rollup and a recount disagree: key → (stored, recounted)."""
    have, want = stored(), recounted()
    return {key: (have.get(key, 0), want.get(key, 0)) for key in have.keys() | want.keys()
            if have.get(key, 0) != want.get(key, 0)}


@transaction.atomic
def rebuild() -> int:
    """Replace the rollup by a recount (after a bulk load, e.g. bench/generate); answers the rows written."""
    OrderRollup.objects.all().delete()
    rows = [OrderRollup(school_id=s, period=p, status=st, severity=sv, closed_days=d, on_time=t, orders=n)
            for (s, p, st, sv, d, t), n in recounted().items()]
    OrderRollup.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _as_date(value):
    return value.date() if hasattr(value, "date") else value
