"""The rollup recounted from the orders: what check_rollups reports and repairs."""
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth

from inspections.models import RectificationOrder
from workflows.calendar import SHANGHAI

from .models import OrderRollup


def recounted() -> dict[tuple, int]:
    """(school, period, status, severity) → orders, counted from the orders table now."""
    rows = (RectificationOrder.objects.annotate(period=TruncMonth("issued_at", tzinfo=SHANGHAI))
            .values_list("school_id", "period", "status", "severity").annotate(n=Count("pk")).order_by())
    return {(school, _as_date(period), status, severity): n for school, period, status, severity, n in rows}


def stored() -> dict[tuple, int]:
    rows = OrderRollup.objects.exclude(orders=0).values_list("school_id", "period", "status", "severity", "orders")
    return {(school, period, status, severity): n for school, period, status, severity, n in rows}


def differences() -> dict[tuple, tuple[int, int]]:
    """Buckets where the rollup and a recount disagree: key → (stored, recounted)."""
    have, want = stored(), recounted()
    return {key: (have.get(key, 0), want.get(key, 0)) for key in have.keys() | want.keys()
            if have.get(key, 0) != want.get(key, 0)}


@transaction.atomic
def rebuild() -> int:
    """Replace the rollup by a recount (after a bulk load, e.g. bench/generate); answers the rows written."""
    OrderRollup.objects.all().delete()
    rows = [OrderRollup(school_id=s, period=p, status=st, severity=sv, orders=n)
            for (s, p, st, sv), n in recounted().items()]
    OrderRollup.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _as_date(value):
    return value.date() if hasattr(value, "date") else value
