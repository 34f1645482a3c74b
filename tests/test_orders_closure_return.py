"""The district leader's closure step can send the order back to re-check, with a reason."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from inspections.models import AuditEvent, RectificationOrder
from inspections.orders.services import OrderConflict, closure_approve, closure_return, recheck_record
from notifications.models import Notification
from workflows.rectification import RectificationFlow

from .orders_helpers import actions, issue, queue_names, sign_and_report

S = RectificationOrder.Status


@pytest.fixture
def closure_review(people, tree):
    order = issue(people, tree)
    sign_and_report(people, order)
    recheck_record(order=order, user=people.district_inspector, method="on_site", result="pass")
    assert order.status == S.CLOSURE_REVIEW
    return order


def test_district_leader_returns_closure_to_the_inspector_with_a_reason(people, closure_review):
    order = closure_return(order=closure_review, user=people.district_leader, reason="照片不能证明通道已清理")
    assert order.status == S.RECHECKING and order.round == 1
    assert queue_names(people.district_inspector, order) == {"recheck"}
    assert queue_names(people.district_leader, order) == set()
    assert actions(order)[-2:] == ["recheck.pass", "closure.returned"]
    returned = Notification.objects.get(kind="order.closure_returned", recipient=people.district_inspector)
    assert returned.body == "照片不能证明通道已清理" and order.number in returned.title
    assert not Notification.objects.filter(kind="order.closure_returned", recipient=people.school_staff).exists()
    event = AuditEvent.objects.get(order=order, action="closure.returned")
    assert (event.actor, event.after["reason"]) == (people.district_leader, "照片不能证明通道已清理")


def test_returned_order_is_rechecked_again_in_the_same_round_and_then_closed(people, closure_review):
    order = closure_return(order=closure_review, user=people.district_leader, reason="请现场复查")
    recheck_record(order=order, user=people.district_inspector, method="on_site", result="pass", notes="现场已核实")
    assert order.status == S.CLOSURE_REVIEW
    assert order.rechecks.get().notes == "现场已核实"  # the round's re-check, done again
    closure_approve(order=order, user=people.district_leader)
    assert order.status == S.CLOSED
    assert actions(order)[-4:] == ["recheck.pass", "closure.returned", "recheck.pass", "closure.approved"]


def test_a_failed_recheck_after_a_return_starts_the_next_round(people, closure_review):
    order = closure_return(order=closure_review, user=people.district_leader, reason="未整改到位")
    recheck_record(order=order, user=people.district_inspector, method="on_site", result="fail", notes="仍堵塞")
    assert order.status == S.RECTIFYING and order.round == 2


def test_return_needs_a_reason(people, closure_review):
    with pytest.raises(ValidationError):
        closure_return(order=closure_review, user=people.district_leader, reason="  ")
    assert closure_review.status == S.CLOSURE_REVIEW


@pytest.mark.parametrize("persona", ["district_inspector", "school_leader", "other_district_leader"])
def test_only_the_districts_leader_may_return_closure(people, closure_review, persona):
    with pytest.raises(PermissionDenied):
        closure_return(order=closure_review, user=getattr(people, persona), reason="退回")
    closure_review.refresh_from_db()
    assert closure_review.status == S.CLOSURE_REVIEW


def test_return_is_refused_when_closure_is_not_pending(people, tree):
    order = issue(people, tree)
    with pytest.raises(OrderConflict):
        closure_return(order=order, user=people.district_leader, reason="退回")


def test_return_through_the_api_and_the_order_page(people, closure_review, client):
    api = APIClient()
    api.force_authenticate(people.district_leader)
    url = f"/api/v1/orders/{closure_review.pk}/approve/"
    assert api.post(url, {"decision": "return", "note": ""}, format="json").status_code == 400
    assert api.post(url, {"decision": "return", "note": "补充照片"}, format="json").status_code == 200
    closure_review.refresh_from_db()
    assert closure_review.status == S.RECHECKING
    assert api.post(url, {"decision": "return", "note": "再退"}, format="json").status_code == 409
    recheck_record(order=closure_review, user=people.district_inspector, method="document", result="pass")
    client.force_login(people.district_leader)
    page = client.get(f"/orders/{closure_review.pk}/").content.decode()
    assert 'value="return"' in page
    client.post(f"/orders/{closure_review.pk}/approve/", {"decision": "return", "note": "再核一次"})
    closure_review.refresh_from_db()
    assert closure_review.status == S.RECHECKING


def test_the_chart_names_the_return_branch():
    assert RectificationFlow.closure_decided.task_title == "退回复查？"
    assert RectificationFlow.approve_closure._next.name == "closure_decided"
