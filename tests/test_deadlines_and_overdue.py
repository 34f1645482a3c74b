"""One meaning of overdue, one deadline model: the defects that came from stating them in several places."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from inspections.reports.ledger import LedgerFilter, ledger_orders
from inspections.models import RectificationOrder
from inspections.orders.services import extension_decide, extension_request, order_sign
from workflows.calendar import SHANGHAI
from workflows.deadlines import calendar_year_enter, deadline_recompute
from workflows.management.commands.run_timers import sweep

from .orders_helpers import issue, pass_and_close, sign_and_report

D = dt.date


@pytest.fixture
def clock(monkeypatch):
    def set_to(moment):
        if isinstance(moment, dt.date) and not isinstance(moment, dt.datetime):
            moment = dt.datetime.combine(moment, dt.time(10), tzinfo=SHANGHAI)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment
    return set_to


def test_an_order_closed_after_going_overdue_is_never_shown_overdue(client, people, tree, clock):
    clock(D(2026, 11, 2))
    order = issue(people, tree, hazard=True)  # 2 working days → 2026-11-04
    clock(D(2026, 11, 6))
    sweep()
    order.refresh_from_db()
    assert order.is_overdue and order.overdue_count == 1
    sign_and_report(people, order)
    pass_and_close(people, order)
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.CLOSED
    assert not order.is_overdue and order.overdue_count == 1  # the history stays, the state does not
    assert not RectificationOrder.objects.overdue().filter(pk=order.pk).exists()
    assert order not in ledger_orders(people.city_leader, LedgerFilter(overdue=True))
    client.force_login(people.school_leader)
    assert "已逾期" not in client.get(f"/orders/{order.pk}/").content.decode()


def test_an_order_waiting_on_the_inspector_is_not_the_schools_overdue(people, tree, clock):
    clock(D(2026, 11, 2))
    order = issue(people, tree, hazard=True)
    sign_and_report(people, order)  # reported in time; the re-check is the inspector's, past the school deadline
    clock(D(2026, 11, 9))
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.RECHECKING and not order.is_overdue


def test_extension_to_a_non_working_day_is_refused_with_the_reason(people, tree, clock):
    clock(D(2026, 11, 2))
    order = issue(people, tree, hazard=True)
    order_sign(order=order, user=people.school_leader)
    with pytest.raises(ValidationError) as refused:
        extension_request(order=order, user=people.school_staff, requested_deadline=D(2026, 11, 7), reason="停电")
    assert "2026-11-07" in str(refused.value) and "不是工作日" in str(refused.value)
    assert "requested_deadline" in refused.value.message_dict
    ext = extension_request(order=order, user=people.school_staff, requested_deadline=D(2026, 11, 9), reason="停电")
    extension_decide(extension=ext, user=people.district_leader, approve=True)
    order.deadline.refresh_from_db()
    assert order.deadline.due_at == dt.datetime(2026, 11, 9, 23, 59, 59, tzinfo=SHANGHAI)


def test_a_granted_date_stays_when_the_years_calendar_is_entered(people, tree, clock):
    clock(D(2026, 12, 21))
    order = issue(people, tree)  # 20 working days into 2027, whose schedule is not published yet
    order_sign(order=order, user=people.school_leader)
    ext = extension_request(order=order, user=people.school_staff, requested_deadline=D(2027, 2, 10),
                            reason="寒假施工")
    extension_decide(extension=ext, user=people.district_leader, approve=True)
    granted = dt.datetime(2027, 2, 10, 23, 59, 59, tzinfo=SHANGHAI)
    order.deadline.refresh_from_db()
    assert order.deadline.due_at == granted
    calendar_year_enter(year=2027, holidays={D(2027, 2, d): "春节" for d in range(1, 6)}, workdays={})
    order.deadline.refresh_from_db()
    assert order.deadline.due_at == granted and order.deadline.granted_date == D(2027, 2, 10)


def test_an_order_issued_before_eight_in_beijing_counts_from_that_beijing_day(people, tree, clock):
    clock(dt.datetime(2026, 11, 2, 23, 0, tzinfo=dt.timezone.utc))  # 07:00 on 3 November in Beijing
    order = issue(people, tree, hazard=True)
    assert order.deadline.start_date == D(2026, 11, 3)
    due = dt.datetime(2026, 11, 5, 23, 59, 59, tzinfo=SHANGHAI)
    assert order.deadline.due_at == due
    deadline_recompute(deadline=order.deadline)  # e.g. after a calendar year is entered
    order.deadline.refresh_from_db()
    assert order.deadline.due_at == due


def test_the_order_list_counts_days_left_only_while_it_is_the_schools_turn(client, people, tree, clock):
    import re

    clock(D(2026, 11, 2))
    waiting = issue(people, tree, hazard=True)
    reported = issue(people, tree, hazard=True)
    sign_and_report(people, reported)  # now the inspector's: its deadline is not the school's to meet
    clock(D(2026, 11, 3))
    client.force_login(people.district_inspector)
    rows = client.get("/orders/").content.decode().split("<tr>")[1:]  # the table, not the to-do cards
    cell = {o.number: re.search(r"data-days-left>(.*?)</td>", next(r for r in rows if o.number in r)).group(1)
            for o in (waiting, reported)}
    assert cell == {waiting.number: "1", reported.number: "—"}
