"""The dashboard's order figures from the rollup (rollups.OrderRollup): the same numbers as
stats.order_groups over the orders, from a few hundred narrow rows per district instead of every order.

The rollup counts orders per school × issue month × status × severity and, for a closed order, its working days
to close and whether it met its deadline — figures fixed from the closure on. Two figures are not in it: overdue
changes with the clock and escalation is not a status, so both are counted live over the open orders of the
period (a small part of the orders once a programme has run for a while). A period that does not start and end
on month boundaries takes its whole months from the rollup and its edge days live (stats.order_numbers).
"""
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from rollups.models import OPEN_DAYS, OrderRollup
from workflows.calendar import SHANGHAI

from inspections.orders.models import RectificationOrder, overdue_q

ORDER_KEYS = ("total", "open", "overdue", "closed", "closed_on_time", "escalated")
CLOSED = RectificationOrder.Status.CLOSED


@dataclass
class OrderNumbers:
    """Order figures of a scope: counts per school (ORDER_KEYS order), per-school closure sums, the spread."""

    by_school: dict[int, list[int]] = field(default_factory=dict)
    days: dict[int, list[int]] = field(default_factory=dict)  # school → [working days to close summed, orders]
    spread: Counter = field(default_factory=Counter)  # working days to close → closed orders

    @classmethod
    def of(cls, by_school: dict[int, list[int]], closures: list[tuple[int, int, int]]) -> "OrderNumbers":
        """From stats.order_figures' counts and stats.closure_days' (school, working days, n) rows."""
        numbers = cls(by_school={sid: list(c) for sid, c in by_school.items()})
        for school_id, value, n in closures:
            numbers._closed(school_id, value * n, n)
            numbers.spread[value] += n
        return numbers

    def _closed(self, school_id: int, total_days: int, n: int) -> None:
        acc = self.days.setdefault(school_id, [0, 0])
        acc[0] += total_days
        acc[1] += n

    def _count(self, school_id: int, key: str, n: int) -> None:
        self.by_school.setdefault(school_id, [0] * len(ORDER_KEYS))[ORDER_KEYS.index(key)] += n

    def add(self, other: "OrderNumbers") -> None:
        for school_id, counts in other.by_school.items():
            for key, n in zip(ORDER_KEYS, counts):
                self._count(school_id, key, n)
        for school_id, (total_days, n) in other.days.items():
            self._closed(school_id, total_days, n)
        self.spread.update(other.spread)

    def totals(self) -> dict:
        columns = [sum(column) for column in zip(*self.by_school.values())] or [0] * len(ORDER_KEYS)
        return dict(zip(ORDER_KEYS, columns))


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def split_period(start: dt.date | None, end: dt.date | None) -> tuple[tuple | None, list[tuple[dt.date, dt.date]]]:
    """([first whole month, first month after the last whole one) — None for no bound — or None when the
    period holds no whole month; the edge day ranges (first, last day, both included) to count live)."""
    lo = None if start is None else (start if start.day == 1 else _next_month(start))
    stop = None if end is None else end + dt.timedelta(days=1)
    hi = None if stop is None else stop.replace(day=1)
    if lo is not None and hi is not None and lo >= hi:
        return None, [(start, end)]
    edges = []
    if start is not None and start < lo:
        edges.append((start, lo - dt.timedelta(days=1)))
    if end is not None and hi <= end:
        edges.append((hi, end))
    return (lo, hi), edges


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


def _issued_in(months: tuple, field_name: str, as_time=lambda day: day) -> Q:
    lo, hi = months
    q = Q()
    if lo is not None:
        q &= Q(**{f"{field_name}__gte": as_time(lo)})
    if hi is not None:
        q &= Q(**{f"{field_name}__lt": as_time(hi)})
    return q


def _rollup_rows(school_ids: list[int], months: tuple, severity: str):
    rows = OrderRollup.objects.filter(_issued_in(months, "period"), school_id__in=school_ids, orders__gt=0)
    return rows.filter(severity=severity) if severity else rows


def from_rollup(school_ids: list[int], months: tuple, severity: str = "") -> OrderNumbers:
    """The figures of the orders issued in `months` (split_period) at these schools: three grouped queries."""
    numbers = OrderNumbers()
    rows = _rollup_rows(school_ids, months, severity)
    closed, timed = Q(status=CLOSED), Q(status=CLOSED, closed_days__gt=OPEN_DAYS)
    for school_id, total, open_, shut, on_time, days, timed_n in rows.values_list("school_id").annotate(
            n=Sum("orders"), open=Sum("orders", filter=~closed), closed=Sum("orders", filter=closed),
            on_time_n=Sum("orders", filter=closed & Q(on_time=True)),
            days=Sum(F("orders") * F("closed_days"), filter=timed), timed=Sum("orders", filter=timed)).order_by():
        numbers.by_school[school_id] = [total, open_ or 0, 0, shut or 0, on_time or 0, 0]
        if timed_n:
            numbers._closed(school_id, days, timed_n)
    numbers.spread.update(dict(rows.filter(timed).values_list("closed_days").annotate(n=Sum("orders")).order_by()))
    _count_open_now(numbers, school_ids, months, severity)
    return numbers


def _count_open_now(numbers: OrderNumbers, school_ids: list[int], months: tuple, severity: str) -> None:
    """Overdue (by the clock) and escalated, live over the period's open orders that are either."""
    late, raised = overdue_q(timezone.now()), Q(escalation_level__gt=0)  # one "now" for the filter and the count
    open_ = RectificationOrder.objects.filter(_issued_in(months, "issued_at", _midnight), school_id__in=school_ids)
    open_ = open_.exclude(status=CLOSED).filter(late | raised)
    if severity:
        open_ = open_.filter(severity=severity)
    for school_id, overdue, escalated in open_.values_list("school_id").annotate(
            overdue=Count("pk", filter=late), escalated=Count("pk", filter=raised)).order_by():
        numbers._count(school_id, "overdue", overdue or 0)
        numbers._count(school_id, "escalated", escalated or 0)
