"""The order rollup (rollups.OrderRollup) is exact: after every transition of the rectification flow and
after creation, it equals a recount from the orders; check_rollups reports a tampered bucket
and --fix repairs it."""
import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from inspections.models import RectificationOrder
from inspections.orders.services import (
    closure_approve, order_sign, recheck_record, report_approve, report_submit,
)
from rollups import recount
from rollups.models import OrderRollup
from rollups.services import period_of
from tests.test_query_counts import new_order
from workflows.calendar import SHANGHAI


def exact():
    assert recount.differences() == {}


def test_every_transition_keeps_the_rollup_equal_to_a_recount(people, tree):
    major = new_order(people, tree, severity="major")
    general = new_order(people, tree, findings=2)
    new_order(people, tree, school=tree.school_b)  # another district's, untouched
    exact()
    steps = [
        lambda o: order_sign(order=o, user=people.school_leader),
        lambda o: report_submit(order=o, user=people.school_staff, measures="已整改"),
        lambda o: report_approve(order=o, user=people.school_leader),
        lambda o: recheck_record(order=o, user=people.district_inspector, method="document", result="fail",
                                 notes="仍未整改"),
        lambda o: report_submit(order=o, user=people.school_staff, measures="再整改"),
        lambda o: report_approve(order=o, user=people.school_leader),
        lambda o: recheck_record(order=o, user=people.district_inspector, method="on_site", result="pass"),
        lambda o: closure_approve(order=o, user=people.district_leader),
    ]
    seen = set()
    for step in steps:
        for order in (major, general):
            step(order)
            order.refresh_from_db()
            seen.add(order.status)
            exact()
    closure_approve(order=major, user=people.city_leader)  # a major order's city review
    major.refresh_from_db()
    seen.add(major.status)
    exact()
    assert {"rectifying", "report_review", "rechecking", "closure_review", "city_review", "closed"} <= seen
    counts = {(r.school_id, r.status, r.severity): r.orders for r in OrderRollup.objects.exclude(orders=0)}
    assert counts == {(tree.school_a.pk, "closed", "major"): 1, (tree.school_a.pk, "closed", "general"): 1,
                      (tree.school_b.pk, "issued", "general"): 1}


def test_an_order_counts_in_the_month_it_was_issued_on_the_shanghai_calendar():
    late_evening_utc = dt.datetime(2026, 3, 31, 17, 0, tzinfo=dt.timezone.utc)  # 1 April, 01:00 in Shanghai
    assert period_of(late_evening_utc) == dt.date(2026, 4, 1)
    assert period_of(dt.datetime(2026, 4, 30, 23, 0, tzinfo=SHANGHAI)) == dt.date(2026, 4, 1)


def test_check_rollups_reports_a_difference_and_fix_rebuilds(people, tree):
    order = new_order(people, tree)
    out = StringIO()
    call_command("check_rollups", stdout=out)
    assert "matches" in out.getvalue()
    OrderRollup.objects.filter(school=order.school_id).update(orders=5)
    RectificationOrder.objects.filter(pk=order.pk).update(status="rectifying")  # a write outside the flow
    with pytest.raises(CommandError, match="2 rollup bucket"):
        call_command("check_rollups", stdout=StringIO())
    call_command("check_rollups", "--fix", stdout=StringIO())
    exact()
    assert OrderRollup.objects.get(school=order.school_id, status="rectifying").orders == 1
