"""Every surface agrees with the one action policy (inspections.orders.actions), persona × action × order state.

For each state an order can rest in and each person of the shared fixtures:
the forms the order page shows == the actions the API accepts == the order's
tasks in the person's inbox == what `actions_for` answers; a refusal is 404
for an order the person cannot see, 403 for a step not theirs, 409 for a state
that does not allow it; and whoever the notification table told to act may act.
"""
import datetime as dt
import re

import pytest
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.status import STATUS
from rest_framework.test import APIClient

from inspections.orders import actions
from inspections.models import RectificationOrder
from inspections.orders.services import (
    closure_approve, extension_request, order_sign, recheck_record, report_approve, report_submit,
)
from notifications.models import Notification
from workflows.calendar import SHANGHAI, add_working_days
from workflows.models import RoutedTask
from workflows.tasks import tasks_for

from .orders_helpers import issue, sign_and_report

# One of each kind of person (the other district's inspector and the other schools' staff behave as
# the other district's leader and the outsider do: they cannot see the orders at all).
PERSONAS = ["city_leader", "city_inspector", "city_admin", "district_leader", "district_inspector",
            "other_district_leader", "school_leader", "school_staff", "outsider"]
APPROVE_FAMILY = {"order.approve_report", "order.approve_closure", "order.city_approve", "order.city_supervise"}
FORM = re.compile(r'data-form="([a-z_.]+)"')


def _orders_in_every_state(people, tree) -> dict[str, RectificationOrder]:
    states = {"issued": issue(people, tree)}
    states["rectifying"] = issue(people, tree)
    order_sign(order=states["rectifying"], user=people.school_leader)
    states["extension_pending"] = issue(people, tree)
    order_sign(order=states["extension_pending"], user=people.school_leader)
    due = states["extension_pending"].deadline.due_at
    extension_request(order=states["extension_pending"], user=people.school_staff, reason="设备采购周期长",
                      requested_deadline=add_working_days(due, 5))
    # An extension asked for and then overtaken: the school reported before the leader decided.
    states["extension_overtaken"] = issue(people, tree)
    order_sign(order=states["extension_overtaken"], user=people.school_leader)
    extension_request(order=states["extension_overtaken"], user=people.school_staff, reason="设备采购周期长",
                      requested_deadline=add_working_days(states["extension_overtaken"].deadline.due_at, 5))
    report_submit(order=states["extension_overtaken"], user=people.school_staff, measures="已整改")
    report_approve(order=states["extension_overtaken"], user=people.school_leader)
    for name in ("rechecking", "closure_review", "city_review", "closed", "second_round"):
        order = issue(people, tree, severity="major" if name == "city_review" else "general")
        sign_and_report(people, order)
        states[name] = order
    recheck_record(order=states["closure_review"], user=people.district_inspector, method="on_site", result="pass")
    recheck_record(order=states["city_review"], user=people.district_inspector, method="on_site", result="pass")
    closure_approve(order=states["city_review"], user=people.district_leader)
    recheck_record(order=states["closed"], user=people.district_inspector, method="on_site", result="pass")
    closure_approve(order=states["closed"], user=people.district_leader)
    recheck_record(order=states["second_round"], user=people.district_inspector, method="document",
                   result="fail", notes="仍未整改到位")
    # Claimed on viewflow's task board by the city leader: the district leader may no longer finish it.
    states["closure_claimed"] = issue(people, tree)
    sign_and_report(people, states["closure_claimed"])
    recheck_record(order=states["closure_claimed"], user=people.district_inspector, method="on_site", result="pass")
    _claim(states["closure_claimed"], "approve_closure", people.city_leader)
    states["report_review"] = issue(people, tree)
    order_sign(order=states["report_review"], user=people.school_leader)
    report_submit(order=states["report_review"], user=people.school_staff, measures="已整改")
    return {name: RectificationOrder.objects.get(pk=o.pk) for name, o in states.items()}


def _claim(order, node, user):
    """What viewflow's assign view writes: the open task gets an owner and status ASSIGNED."""
    task = RoutedTask.objects.get(process__rectificationprocess__order=order, flow_task_type="HUMAN",
                                  status=STATUS.NEW)
    assert task.flow_task.name == node
    task.owner, task.status, task.assigned = user, STATUS.ASSIGNED, timezone.now()
    task.save(update_fields=["owner", "status", "assigned"])


def _payload(action, order):
    due = order.deadline.due_at.astimezone(SHANGHAI).date()
    return {
        "order.sign": {}, "order.report": {"measures": "已整改到位"},
        "order.recheck": {"method": "on_site", "result": "pass"},
        "order.request_extension": {"requested_deadline": add_working_days(due, 5).isoformat(), "reason": "需要更多时间"},
    }.get(action, {"decision": "approve", "note": "同意"})


def _api_url(action, order):
    if action == "order.decide_extension":
        pending = order.extensions.filter(decision="pending").first()
        return f"/api/v1/extensions/{pending.pk}/decide/" if pending else None
    verb = {"order.sign": "sign", "order.report": "report", "order.recheck": "recheck",
            "order.request_extension": "extension"}.get(action, "approve")
    return f"/api/v1/orders/{order.pk}/{verb}/"


def _api_status(client, action, order) -> int | None:
    """What the API answers to the action; whatever it changes is rolled back."""
    url = _api_url(action, order)
    if url is None:
        return None
    data = {"approve": True, "note": "同意"} if action == "order.decide_extension" else _payload(action, order)
    with transaction.atomic():
        status = client.post(url, data, format="json").status_code
        transaction.set_rollback(True)
    return status


def _inbox(user, order) -> set[str]:
    kinds = {t.kind for t in tasks_for(user) if t.order.pk == order.pk}
    return {"order.decide_extension" if k == "decide_extension" else actions.NODE_ACTION[k].name for k in kinds}


@pytest.fixture
def world(people, tree):
    return _orders_in_every_state(people, tree)


def test_page_api_inbox_and_policy_agree_for_every_persona_and_state(people, world):
    differences = []
    for state, order in world.items():
        for persona in PERSONAS:
            user = getattr(people, persona)
            differences += _differences(state, persona, user, order)
    assert not differences, "\n".join(differences)


def _differences(state, persona, user, order) -> list[str]:
    allowed = set(actions.actions_for(user, order))
    client = APIClient()
    client.force_authenticate(user)
    page = _page_forms(user, order)
    where = f"{state} as {persona}"
    found = []
    if page is None:  # invisible: nothing allowed, the API answers 404 too
        if allowed:
            found.append(f"{where}: policy allows {allowed} on an order the page hides")
        return found + [f"{where}: API {a} answered {s}, not 404" for a in actions.ACTIONS
                        if (s := _api_status(client, a, order)) not in (None, 404)]
    if page != allowed:
        found.append(f"{where}: page shows {sorted(page)}, policy allows {sorted(allowed)}")
    inbox_expected = allowed - {"order.request_extension"}
    if _inbox(user, order) != inbox_expected:
        found.append(f"{where}: inbox has {sorted(_inbox(user, order))}, policy allows {sorted(inbox_expected)}")
    return found + _api_differences(where, client, user, order, allowed)


def _api_differences(where, client, user, order, allowed) -> list[str]:
    found = []
    for name in [a for a in actions.ACTIONS if a not in APPROVE_FAMILY] + ["approve"]:
        status = _api_status(client, name, order)
        want = _expected_status(name, user, order, allowed)
        if status is not None and status not in want:
            found.append(f"{where}: API {name} answered {status}, expected one of {want}")
    return found


def _expected_status(name, user, order, allowed) -> tuple[int, ...]:
    if name == "approve":  # one endpoint for whichever approval the order waits for
        if allowed & APPROVE_FAMILY:
            return (200,)
        return (403,) if any(a.name in APPROVE_FAMILY for a in actions.waiting_for(order)) else (409,)
    decision = actions.can(user, name, order)
    return {"ok": (200, 201), "forbidden": (403,), "conflict": (409,)}[decision.code]


def _page_forms(user, order) -> set[str] | None:
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.get(f"/orders/{order.pk}/")
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    return set(FORM.findall(response.content.decode()))


def test_whoever_is_told_to_act_may_act_and_finds_it_in_the_inbox(people, world):
    """The notification that opens each step goes to exactly the people the policy calls on."""
    opening = {"issued": ("order.issued", "order.sign"), "report_review": ("order.report_submitted",
               "order.approve_report"), "rechecking": ("order.reported", "order.recheck"),
               "closure_review": ("order.recheck_passed", "order.approve_closure"),
               "city_review": ("order.city_review", "order.city_approve"),
               "extension_pending": ("extension.requested", "order.decide_extension")}
    for state, (kind, action) in opening.items():
        order = world[state]
        told = {n.recipient for n in Notification.objects.filter(kind=kind, link=f"/orders/{order.pk}/")}
        callees = set(actions.actors(action, order))
        assert callees, f"{state}: nobody is called on for {action}"
        assert callees <= told, f"{state}: {action} callees {callees} not all told by {kind} ({told})"
        for user in callees:
            assert actions.can(user, action, order), f"{state}: {user} told to {action} but may not"
            assert action in _inbox(user, order), f"{state}: {user} told to {action}, not in their inbox"


def test_school_staff_is_not_asked_to_sign_and_the_page_says_who_is(client, people, world):
    order = world["issued"]
    assert not Notification.objects.filter(kind="order.issued", recipient=people.school_staff).exists()
    assert Notification.objects.filter(kind="order.issued", recipient=people.school_leader).exists()
    client.force_login(people.school_staff)
    body = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'data-waiting="order.sign"' in body and 'data-form="order.sign"' not in body
    client.force_login(people.school_leader)
    body = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'data-action="order.sign"' in body and 'data-form="order.sign"' in body


def test_a_leader_with_an_extension_to_decide_is_told_so_as_the_next_step(client, people, world):
    client.force_login(people.district_leader)
    body = client.get(f"/orders/{world['extension_pending'].pk}/").content.decode()
    assert 'data-action="order.decide_extension"' in body and "目前无需您办理" not in body
    client.force_login(people.school_staff)  # asking for more time is open to the school, but nobody waits for it
    body = client.get(f"/orders/{world['rectifying'].pk}/").content.decode()
    assert 'data-form="order.request_extension"' in body and 'data-action="order.request_extension"' not in body


def test_a_step_claimed_by_one_leader_is_refused_to_another_everywhere(people, world):
    order = world["closure_claimed"]
    assert "order.approve_closure" not in actions.actions_for(people.district_leader, order)
    assert actions.can(people.district_leader, "order.approve_closure", order).code == "forbidden"
    assert not _inbox(people.district_leader, order)
    other = APIClient()
    other.force_authenticate(people.district_leader)
    assert _api_status(other, "approve", order) == 403
    claimer = APIClient()
    claimer.force_authenticate(people.city_leader)
    assert _api_status(claimer, "approve", order) == 200
