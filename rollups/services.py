"""Writes to the order rollup: one upsert statement per change, inside the caller's transaction."""
import datetime as dt

from django.db import connection
from django.utils import timezone

from workflows.calendar import SHANGHAI

from .models import OrderRollup


def period_of(issued_at: dt.datetime) -> dt.date:
    """The first day of the issue month, on the Shanghai calendar (as the dashboards count days)."""
    return timezone.localtime(issued_at, SHANGHAI).date().replace(day=1)


def bucket(order, status: str | None = None) -> tuple:
    return (order.school_id, period_of(order.issued_at), status or order.status, order.severity)


def add(changes: dict[tuple, int]) -> None:
    """Add each delta to its (school, period, status, severity) bucket, creating buckets as needed."""
    # Buckets in one fixed order: a move locks two buckets, and concurrent moves taking them in opposite orders
    # (rectifying → report_review beside report_review → rechecking → rectifying) deadlocked (seen on PostgreSQL).
    rows = sorted((*key, delta) for key, delta in changes.items() if delta)
    if not rows:
        return
    table = OrderRollup._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    # One statement for every bucket (PostgreSQL and SQLite both upsert); concurrent writers of the same
    # bucket serialise on its row, so no count is lost.
    sql = (f"INSERT INTO {table} (school_id, period, status, severity, orders) VALUES {values} "
           f"ON CONFLICT (school_id, period, status, severity) DO UPDATE SET orders = {table}.orders + excluded.orders")
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
