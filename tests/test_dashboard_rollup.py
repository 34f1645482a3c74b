"""The dashboard read from the rollup gives the same numbers as the aggregate over the orders
(stats.dashboard(..., rollup=False), the wave-1 queries), after every transition of the flow and for
filters whose period starts and ends mid-month (the edge days are counted live)."""
import datetime as dt

import pytest
from django.utils import timezone

from inspections.orders.steps import order_escalate
from inspections.orders.services import closure_approve, order_sign, recheck_record, report_approve, report_submit
from inspections.reports.stats import StatsFilter, dashboard
from inspections.reports.stats_rollup import split_period
from rollups.models import OrderRollup
from tests.reports_helpers import national_day_data
from tests.test_query_counts import new_order

d = dt.date


def figures(board) -> dict:
    return {
        "orders": board.orders, "on_time": board.on_time_rate, "median": board.median_days,
        "slowest": [(r["school"].pk, r["mean_days"], r["closed"], r["open_overdue"]) for r in board.slowest],
        "drill": [(r["org"].pk, r["total"], r["open"], r["overdue"], r["closed"]) for r in board.drill],
    }


def same_numbers(user, flt=StatsFilter()) -> dict:
    fast, live = figures(dashboard(user, flt)), figures(dashboard(user, flt, rollup=False))
    assert fast == live
    return fast


STEPS = [
    lambda p, o: order_sign(order=o, user=p.school_leader),
    lambda p, o: report_submit(order=o, user=p.school_staff, measures="已整改"),
    lambda p, o: report_approve(order=o, user=p.school_leader),
    lambda p, o: recheck_record(order=o, user=p.district_inspector, method="document", result="fail", notes="未改"),
    lambda p, o: report_submit(order=o, user=p.school_staff, measures="再整改"),
    lambda p, o: report_approve(order=o, user=p.school_leader),
    lambda p, o: recheck_record(order=o, user=p.district_inspector, method="on_site", result="pass"),
    CLOSURE := lambda p, o: closure_approve(order=o, user=p.district_leader),
    lambda p, o: closure_approve(order=o, user=p.city_leader) if o.status == "city_review" else None,
]


def past_deadline(order):
    order.deadline.due_at = timezone.now() - dt.timedelta(days=1)
    order.deadline.save(update_fields=["due_at"])


def test_every_transition_gives_the_same_dashboard_from_the_rollup(people, tree):
    major, general = new_order(people, tree, severity="major"), new_order(people, tree, findings=2)
    late = new_order(people, tree)
    past_deadline(late)  # overdue now
    order_escalate(order=late, level=1, reason="逾期")
    new_order(people, tree, school=tree.school_b)  # another district's
    same_numbers(people.city_leader)
    for step in STEPS:
        if step is CLOSURE:
            past_deadline(late)  # the failed re-check gave a new deadline; this one closes after it
        for order in (major, general, late):
            step(people, order)
            order.refresh_from_db()
        for user in (people.city_leader, people.district_leader):
            same_numbers(user)
        same_numbers(people.city_leader, StatsFilter(severity="major"))
    board = same_numbers(people.city_leader)
    assert board["orders"]["closed"] == 3 and board["orders"]["open"] == 1
    assert board["on_time"] == round(2 / 3, 4)  # the late one missed its deadline


@pytest.mark.parametrize("start, end", [
    (None, None), (d(2026, 9, 15), d(2026, 10, 20)), (d(2026, 9, 1), d(2026, 10, 31)),
    (d(2026, 10, 5), d(2026, 10, 9)), (d(2026, 9, 29), None), (None, d(2026, 9, 30)), (d(2026, 10, 1), None),
])
def test_periods_with_edge_days_give_the_same_numbers(people, tree, start, end):
    national_day_data(tree, people)
    for severity in ("", "major"):
        same_numbers(people.city_leader, StatsFilter(start=start, end=end, severity=severity))


def test_the_dashboard_reads_the_rollup_for_whole_months(people, tree):
    national_day_data(tree, people)
    before = dashboard(people.city_leader, StatsFilter())
    OrderRollup.objects.filter(status="closed").update(orders=10)  # a tampered rollup shows: it is what is read
    assert dashboard(people.city_leader, StatsFilter()).orders["closed"] > before.orders["closed"]
    assert dashboard(people.city_leader, StatsFilter(), rollup=False).orders == before.orders


def test_split_period_into_whole_months_and_edge_days():
    assert split_period(None, None) == ((None, None), [])
    assert split_period(d(2026, 9, 15), d(2026, 11, 20)) == (
        (d(2026, 10, 1), d(2026, 11, 1)), [(d(2026, 9, 15), d(2026, 9, 30)), (d(2026, 11, 1), d(2026, 11, 20))])
    assert split_period(d(2026, 9, 1), d(2026, 9, 30)) == ((d(2026, 9, 1), d(2026, 10, 1)), [])
    assert split_period(d(2026, 10, 5), d(2026, 10, 9)) == (None, [(d(2026, 10, 5), d(2026, 10, 9))])
    assert split_period(d(2026, 12, 2), None) == ((d(2027, 1, 1), None), [(d(2026, 12, 2), d(2026, 12, 31))])
