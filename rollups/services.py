"""Writes to the order rollup: one upsert statement per change, inside the caller's transaction."""
import datetime as dt

from django.db import connection
from django.utils import timezone

from inspections.models import RectificationOrder
from workflows.calendar import SHANGHAI, working_days_between

from .models import OPEN_DAYS, OrderRollup


def period_of(issued_at: dt.datetime) -> dt.date:
    """The first day of the issue month, on the Shanghai calendar (as the dashboards count days)."""
    return timezone.localtime(issued_at, SHANGHAI).date().replace(day=1)


CLOSED = RectificationOrder.Status.CLOSED


def closure_of(order, status: str) -> tuple[int, bool]:
    """(working days from the issue day to the closing day, closed by the deadline) — the figures the dashboards
    take from a closed order; (OPEN_DAYS, False) otherwise, as stats.order_groups counts an order without closed_at."""
    if status != CLOSED or order.closed_at is None:
        return OPEN_DAYS, False
    return working_days_between(order.issued_at, order.closed_at), order.closed_at <= order.deadline.due_at


def bucket(order, status: str | None = None) -> tuple:
    status = status or order.status
    return (order.school_id, period_of(order.issued_at), status, order.severity, *closure_of(order, status))


def add(changes: dict[tuple, int]) -> None:
    """Add each delta to its (school, period, status, severity, closed_days, on_time) bucket, creating it if new."""
    # Buckets in one fixed order: a move locks two buckets, and concurrent moves taking them in opposite orders
    # (rectifying → report_review beside report_review → rechecking → rectifying) deadlocked (seen on PostgreSQL).
    rows = sorted((*key, delta) for key, delta in changes.items() if delta)
    if not rows:
        return
    table = OrderRollup._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    # One statement for every bucket (PostgreSQL and SQLite both upsert); concurrent writers of the same
    # bucket serialise on its row, so no count is lost.
    key = "school_id, period, status, severity, closed_days, on_time"
    sql = (f"INSERT INTO {table} ({key}, orders) VALUES {values} "
           f"ON CONFLICT ({key}) DO UPDATE SET orders = {table}.orders + excluded.orders")
    with connection.cursor() as cur:
        cur.execute(sql, [value for row in rows for value in row])


def order_moved(*, order, before: str) -> None:
    """The order's status went from `before` to order.status."""
    if before != order.status:
        add({bucket(order, before): -1, bucket(order): +1})


def order_created(*, order) -> None:
    add({bucket(order): +1})


def order_removed(*, order) -> None:
    add({bucket(order): -1})
