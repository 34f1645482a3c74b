"""Every path of the rectification flow, driven through the services as the right people."""
import re

import pytest
from django.core.exceptions import PermissionDenied

from inspections.models import RectificationOrder
from inspections.orders.services import (
    OrderConflict, city_supervise, closure_approve, order_sign, recheck_record, report_approve, report_return,
    report_submit,
)
from workflows.tasks import tasks_for
from notifications.models import Notification

from .orders_helpers import actions, fail_round, issue, pass_and_close, queue_names, sign_and_report

S = RectificationOrder.Status


def test_issued_order_has_official_number_and_goes_to_the_school_to_sign(people, tree):
    order = issue(people, tree)
    assert re.fullmatch(r"甲教督改〔\d{4}〕1号", order.number)
    assert order.issuer == tree.district_a
    assert order.status == S.ISSUED
    assert order.deadline.working_days == 20
    assert queue_names(people.school_leader, order) == {"sign"}
    assert queue_names(people.school_staff, order) == set()  # staff may not sign
    assert queue_names(people.outsider, order) == set()
    assert actions(order) == ["order.issued"]
    assert Notification.objects.filter(kind="order.issued", recipient=people.school_leader).exists()


def test_numbers_run_without_gaps_per_issuer(people, tree):
    numbers = [issue(people, tree).serial for _ in range(3)]
    city_order = issue(people, tree, school=tree.school_c, inspector=people.city_inspector)
    assert numbers == [1, 2, 3]
    assert city_order.issuer == tree.city and city_order.number.startswith("测教督改〔")


def test_hazard_gets_the_shortest_deadline(people, tree):
    assert issue(people, tree, severity="serious", hazard=True).deadline.working_days == 2
    assert issue(people, tree, severity="major").deadline.working_days == 5


def test_happy_path_sign_report_approve_recheck_close(people, tree):
    order = issue(people, tree)
    order_sign(order=order, user=people.school_leader)
    assert order.status == S.RECTIFYING
    assert queue_names(people.school_staff, order) == {"report"}
    report_submit(order=order, user=people.school_staff, measures="已整改")
    assert order.status == S.REPORT_REVIEW
    assert queue_names(people.school_leader, order) == {"approve_report"}
    assert queue_names(people.school_staff, order) == set()
    report_approve(order=order, user=people.school_leader)
    assert order.status == S.RECHECKING
    assert queue_names(people.district_inspector, order) == {"recheck"}
    assert queue_names(people.other_district_inspector, order) == set()
    recheck_record(order=order, user=people.district_inspector, method="on_site", result="pass")
    assert order.status == S.CLOSURE_REVIEW
    assert queue_names(people.district_leader, order) == {"approve_closure"}
    closure_approve(order=order, user=people.district_leader)
    assert order.status == S.CLOSED and order.closed_at
    order.process.refresh_from_db()
    assert order.process.finished is not None
    assert actions(order) == ["order.issued", "order.signed", "report.submitted", "report.approved",
                              "recheck.pass", "closure.approved"]
    assert Notification.objects.filter(kind="order.closed", recipient=people.school_staff).exists()


def test_school_leader_returning_the_report_sends_it_back_to_staff(people, tree):
    order = issue(people, tree)
    order_sign(order=order, user=people.school_leader)
    report_submit(order=order, user=people.school_staff, measures="初稿")
    report_return(order=order, user=people.school_leader, note="缺少照片")
    assert order.status == S.RECTIFYING
    assert queue_names(people.school_staff, order) == {"report"}
    assert "report.returned" in actions(order)


def test_one_failed_recheck_starts_round_two_with_a_new_deadline(people, tree):
    order = issue(people, tree)
    sign_and_report(people, order)
    first_deadline = order.deadline_id
    recheck_record(order=order, user=people.district_inspector, method="document", result="fail", notes="不到位")
    assert order.round == 2 and order.status == S.RECTIFYING
    assert order.deadline_id != first_deadline
    assert queue_names(people.school_staff, order) == {"report"}
    assert queue_names(people.city_leader, order) == set()
    report_submit(order=order, user=people.school_staff, measures="第二轮")
    report_approve(order=order, user=people.school_leader)
    pass_and_close(people, order)
    assert order.status == S.CLOSED
    assert actions(order).count("recheck.fail") == 1


def test_third_failed_recheck_escalates_to_the_city_leader(people, tree):
    order = issue(people, tree)
    order_sign(order=order, user=people.school_leader)
    for _ in range(3):
        fail_round(people, order)
    assert order.round == 4 and order.escalation_level == 2
    assert queue_names(people.city_leader, order) == {"city_supervise"}
    assert queue_names(people.district_leader, order) == set()
    assert queue_names(people.school_staff, order) == set()
    assert Notification.objects.filter(kind="order.escalated", recipient=people.city_leader).exists()
    city_supervise(order=order, user=people.city_leader, note="限期整改，市局挂牌督办")
    assert queue_names(people.school_staff, order) == {"report"}
    assert actions(order)[-3:] == ["order.escalated", "recheck.fail", "order.city_supervised"]


def test_major_finding_needs_district_then_city_approval(people, tree):
    order = issue(people, tree, severity="major")
    sign_and_report(people, order)
    recheck_record(order=order, user=people.district_inspector, method="on_site", result="pass")
    closure_approve(order=order, user=people.district_leader)
    assert order.status == S.CITY_REVIEW
    assert queue_names(people.city_leader, order) == {"city_approve"}
    assert queue_names(people.district_leader, order) == set()
    with pytest.raises(PermissionDenied):
        closure_approve(order=order, user=people.district_leader)
    closure_approve(order=order, user=people.city_leader)
    assert order.status == S.CLOSED
    assert actions(order).count("closure.approved") == 2


def test_tasks_selector_lists_the_same_as_the_viewflow_queue(people, tree):
    order = issue(people, tree)
    assert [(t.kind, t.order.pk) for t in tasks_for(people.school_leader)] == [("sign", order.pk)]
    assert tasks_for(people.other_school_staff) == []
    assert tasks_for(people.district_inspector) == []


# --- wrong people, one per task -------------------------------------------------

def test_staff_cannot_sign_and_other_schools_cannot_either(people, tree):
    order = issue(people, tree)
    for wrong in (people.school_staff, people.outsider, people.other_school_staff, people.district_inspector):
        with pytest.raises(PermissionDenied):
            order_sign(order=order, user=wrong)
    assert order.status == S.ISSUED


def test_only_the_school_reports_and_only_its_leader_approves(people, tree):
    order = issue(people, tree)
    order_sign(order=order, user=people.school_leader)
    for wrong in (people.outsider, people.other_school_staff, people.district_inspector):
        with pytest.raises(PermissionDenied):
            report_submit(order=order, user=wrong, measures="x")
    report_submit(order=order, user=people.school_staff, measures="已整改")
    for wrong in (people.school_staff, people.outsider, people.district_leader):
        with pytest.raises(PermissionDenied):
            report_approve(order=order, user=wrong)


def test_only_inspectors_of_the_issuing_district_recheck(people, tree):
    order = issue(people, tree)
    sign_and_report(people, order)
    for wrong in (people.other_district_inspector, people.school_leader, people.district_leader):
        with pytest.raises(PermissionDenied):
            recheck_record(order=order, user=wrong, method="on_site", result="pass")


def test_only_the_districts_leader_approves_closure(people, tree):
    order = issue(people, tree)
    sign_and_report(people, order)
    recheck_record(order=order, user=people.district_inspector, method="on_site", result="pass")
    for wrong in (people.other_district_leader, people.district_inspector, people.school_leader):
        with pytest.raises(PermissionDenied):
            closure_approve(order=order, user=wrong)


def test_city_supervision_is_the_city_leaders_alone(people, tree):
    order = issue(people, tree)
    order_sign(order=order, user=people.school_leader)
    for _ in range(3):
        fail_round(people, order)
    for wrong in (people.district_leader, people.city_inspector, people.school_leader):
        with pytest.raises(PermissionDenied):
            city_supervise(order=order, user=wrong, note="x")


def test_actions_in_the_wrong_state_conflict(people, tree):
    order = issue(people, tree)
    with pytest.raises(OrderConflict):
        recheck_record(order=order, user=people.district_inspector, method="on_site", result="pass")
    with pytest.raises(OrderConflict):
        report_submit(order=order, user=people.school_staff, measures="x")
    order_sign(order=order, user=people.school_leader)
    with pytest.raises(OrderConflict):
        order_sign(order=order, user=people.school_leader)
    assert actions(order) == ["order.issued", "order.signed"]
