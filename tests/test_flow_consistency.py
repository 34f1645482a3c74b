"""The order ↔ flow consistency checker (workflows.consistency) and `manage.py check_flows`."""
import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from inspections.models import RectificationOrder, RectificationReport
from inspections.orders.services import (
    closure_return, extension_decide, extension_request, order_sign, recheck_record, report_approve, report_return, report_submit,
)
from workflows.calendar import SHANGHAI
from workflows.consistency import all_order_flow_problems, order_flow_problems
from workflows.management.commands.run_timers import sweep
from workflows.rectification import RectificationFlow

from .orders_helpers import fail_round, issue, pass_and_close, sign_and_report


def task_of(order, node_name):
    return Task.objects.filter(process_id=order.process.pk, flow_task=getattr(RectificationFlow, node_name))


def walked_to(people, tree, status):
    """An order brought to `status` through the real services."""
    order = issue(people, tree, severity="major" if status == "city_review" else "general")
    steps = {
        "issued": [],
        "rectifying": [lambda: order_sign(order=order, user=people.school_leader)],
        "report_review": [lambda: order_sign(order=order, user=people.school_leader),
                          lambda: report_submit(order=order, user=people.school_staff, measures="已整改")],
        "rechecking": [lambda: sign_and_report(people, order)],
        "closure_review": [lambda: sign_and_report(people, order),
                           lambda: recheck_record(order=order, user=people.district_inspector,
                                                  method="on_site", result="pass")],
        "city_review": [lambda: sign_and_report(people, order),
                        lambda: pass_and_close(people, order)],
        "closed": [lambda: sign_and_report(people, order), lambda: pass_and_close(people, order)],
    }[status]
    for step in steps:
        step()
    order.refresh_from_db()
    assert order.status == status
    return order


@pytest.mark.parametrize("status", ["issued", "rectifying", "report_review", "rechecking", "closure_review",
                                    "city_review", "closed"])
def test_orders_walked_by_the_services_are_consistent(people, tree, status):
    order = walked_to(people, tree, status)
    assert order_flow_problems(order) == []


def test_returned_report_failed_round_and_returned_closure_stay_consistent(people, tree):
    order = issue(people, tree)
    order_sign(order=order, user=people.school_leader)
    report_submit(order=order, user=people.school_staff, measures="初稿")
    report_return(order=order, user=people.school_leader, note="材料不全")
    fail_round(people, order)
    report_submit(order=order, user=people.school_staff, measures="第二轮")
    report_approve(order=order, user=people.school_leader)
    recheck_record(order=order, user=people.district_inspector, method="on_site", result="pass")
    closure_return(order=order, user=people.district_leader, reason="证据不足")
    order.refresh_from_db()
    assert (order.status, order.round) == ("rechecking", 2)
    assert order_flow_problems(order) == []


def test_an_order_overdue_twice_with_the_citys_parallel_task_is_consistent(people, tree, monkeypatch):
    def clock(day):
        monkeypatch.setattr(timezone, "now", lambda: dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI))

    clock(dt.date(2025, 9, 22))
    order = issue(people, tree, severity="major")
    order_sign(order=order, user=people.school_leader)
    clock(dt.date(2025, 9, 29))
    sweep()
    ext = extension_request(order=order, user=people.school_staff, requested_deadline=dt.date(2025, 10, 10),
                            reason="设备到货延迟")
    extension_decide(extension=ext, user=people.district_leader, approve=True)
    clock(dt.date(2025, 10, 11))
    sweep()
    order.refresh_from_db()
    assert order.overdue_count == 2 and task_of(order, "city_overdue_supervise").filter(status="NEW").exists()
    assert order_flow_problems(order) == []
    RectificationOrder.objects.filter(pk=order.pk).update(overdue_count=1)
    order.refresh_from_db()
    assert any("open city_overdue_supervise with overdue_count 1" in p for p in order_flow_problems(order))


def test_a_task_completed_behind_the_flows_back_is_reported(people, tree):
    order = walked_to(people, tree, "issued")
    task_of(order, "sign").update(status=STATUS.DONE, finished=timezone.now())
    problems = order_flow_problems(order)
    assert any("status issued but open tasks []" in p for p in problems)
    assert any("1 sign task(s) done but 0 order.signed audited" in p for p in problems)


def test_a_domain_status_moved_without_the_flow_is_reported(people, tree):
    order = walked_to(people, tree, "rectifying")
    RectificationOrder.objects.filter(pk=order.pk).update(status="rechecking")
    order.refresh_from_db()
    assert order_flow_problems(order) == [
        f"{order.number}: status rechecking but open tasks ['report'] (expected ['recheck'])"]


def test_a_task_left_started_is_reported(people, tree):
    order = walked_to(people, tree, "report_review")
    task_of(order, "approve_report").update(status=STATUS.STARTED)
    problems = order_flow_problems(order)
    assert any("approve_report" in p and "left STARTED" in p for p in problems)


def test_a_cancelled_host_leaves_its_scheduled_timers_reported(people, tree):
    order = walked_to(people, tree, "issued")
    task_of(order, "sign").update(status=STATUS.CANCELED)
    problems = order_flow_problems(order)
    assert any("sign__timeout" in p and "host task is not open" in p for p in problems)


def test_a_lost_report_row_is_reported(people, tree):
    order = walked_to(people, tree, "report_review")
    RectificationReport.objects.filter(order=order).delete()
    assert any("0 reports" in p for p in order_flow_problems(order))


def test_a_process_finished_before_closure_is_reported(people, tree):
    order = walked_to(people, tree, "closure_review")
    order.process.finished = timezone.now()
    order.process.save(update_fields=["finished"])
    assert any("order closure_review but process" in p for p in order_flow_problems(order))


def test_closed_order_with_an_unfinished_process_is_reported(people, tree):
    order = walked_to(people, tree, "closed")
    type(order.process).objects.filter(pk=order.process.pk).update(finished=None, status="NEW")
    assert any("order closed but process NEW" in p for p in order_flow_problems(order))


def test_check_flows_passes_consistent_orders_and_fails_on_a_broken_one(people, tree):
    good, bad = walked_to(people, tree, "rectifying"), walked_to(people, tree, "rechecking")
    out = StringIO()
    call_command("check_flows", stdout=out)
    assert "2 order(s) consistent" in out.getvalue()
    RectificationOrder.objects.filter(pk=bad.pk).update(status="closure_review")
    out = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("check_flows", stdout=out)
    assert bad.number in out.getvalue() and good.number not in out.getvalue()
    assert len(all_order_flow_problems(RectificationOrder.objects.filter(pk=good.pk))) == 0


def test_check_flows_open_only_skips_closed_orders(people, tree):
    closed = walked_to(people, tree, "closed")
    type(closed.process).objects.filter(pk=closed.process.pk).update(finished=None, status="NEW")
    call_command("check_flows", "--open-only", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("check_flows", str(closed.pk), stdout=StringIO())
