"""Every surface agrees with the one action policy for visits and clues, persona × action × state.

As tests/test_action_consistency.py does for orders: for each state a visit or a
clue can rest in and each person of the shared fixtures (plus an inspector of
the district who is not on the visit's team), the forms the page shows == the
actions the API accepts (2xx, else 403 not theirs / 409 not now, changes rolled
back) == the tasks viewflow routes to the person (and the flow lets them take)
== what `inspections.actions.actions_for` answers. A person who may not see the
object gets 404 everywhere; whoever is notified to act may act.
"""
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from viewflow.workflow.status import STATUS

from inspections import actions
from inspections.clues import actions as clue_actions
from inspections.clues.services import clue_close, clue_reply, clue_triage, clue_verify_desk, clue_verify_visit
from inspections.models import Clue, Visit
from inspections.visits import actions as visit_actions
from inspections.visits.services import visit_check_in, visit_review, visit_sign, visit_submit
from inspections.workspace import todos_for
from notifications.models import Notification
from organizations.roles import Role
from organizations.services import membership_grant
from workflows.clue import ClueFlow
from workflows.models import RoutedTask
from workflows.visit import VisitFlow

from .clue_helpers import hotline_clue
from .visits_helpers import conduct, items_of, plan, signature_url

PERSONAS = ["city_leader", "city_inspector", "city_admin", "district_leader", "district_inspector",
            "off_team_inspector", "other_district_leader", "other_district_inspector", "school_leader",
            "school_staff", "outsider"]
FORM = re.compile(r'data-form="((?:visit|clue)\.[a-z_]+)"')
OPEN = (STATUS.NEW, STATUS.ASSIGNED)


@pytest.fixture
def cast(people, tree):
    """The shared people and one more: an inspector of district A who is on no visit's team."""
    user = get_user_model().objects.create_user(username="off_team_inspector", password="pw-for-tests-1")
    membership_grant(user=user, organization=tree.district_a, role=Role.INSPECTOR)
    people.off_team_inspector = user
    return people


# ---------------------------------------------------------------- the worlds


def _visits_in_every_state(people, tree) -> dict[str, Visit]:
    """Team: district_inspector (lead) and city_inspector. No service cancels a visit, so none rests there."""
    lead = people.district_inspector
    states = {"planned": plan(people, tree), "surprise_before_check_in": plan(people, tree, kind="surprise")}
    for name in ("in_progress", "signed", "submitted", "returned", "approved"):
        states[name] = plan(people, tree)
        conduct(states[name], lead)
    for name in ("signed", "submitted", "returned", "approved"):
        visit_sign(visit=states[name], user=lead, representative_name="张校长", signature_data_url=signature_url())
    for name in ("submitted", "returned", "approved"):
        visit_submit(visit=states[name], user=lead, summary="检查完毕")
    visit_review(visit=states["returned"], user=people.district_leader, approve=False, reason="请补充照片")
    visit_review(visit=states["approved"], user=people.district_leader, approve=True)
    return {name: Visit.objects.get(pk=v.pk) for name, v in states.items()}


def _clues_in_every_state(people, tree) -> dict[str, Clue]:
    leader, inspector = people.district_leader, people.district_inspector
    states = {name: hotline_clue(people, tree, ref=f"GD-{n}") for n, name in enumerate((
        "registered", "desk_check", "visit_to_plan", "reply_before_check_in", "reply_after_visit",
        "out_of_scope", "replied", "closed"))}
    for name in ("desk_check", "replied", "closed"):
        clue_triage(clue=states[name], user=leader, decision="desk_check")
    for name in ("replied", "closed"):
        clue_verify_desk(clue=states[name], user=inspector, result="情况属实", substantiated=True)
        clue_reply(clue=states[name], user=leader, text="已核实并整改", method="phone")
    for name in ("visit_to_plan", "reply_before_check_in", "reply_after_visit"):
        clue_triage(clue=states[name], user=leader, decision="surprise_visit")
    for name in ("reply_before_check_in", "reply_after_visit"):
        clue_verify_visit(clue=states[name], user=inspector, planned_date=timezone.localdate(), lead=inspector)
    visit = Clue.objects.get(pk=states["reply_after_visit"].pk).visit
    visit_check_in(visit=visit, user=inspector, geo_status="denied")
    clue_triage(clue=states["out_of_scope"], user=leader, decision="out_of_scope", reason="不属于督导范围")
    clue_close(clue=states["closed"], user=leader)
    return {name: Clue.objects.get(pk=c.pk) for name, c in states.items()}


@pytest.fixture
def visits(cast, tree):
    return _visits_in_every_state(cast, tree)


@pytest.fixture
def clues(cast, tree):
    return _clues_in_every_state(cast, tree)


# ---------------------------------------------------------------- the surfaces


def _visit_api(people, visit) -> dict:
    return {"visit.check_in": ("check-in", {"geo_status": "denied"}),
            "visit.answer": ("results", {"item": items_of(visit)[0].pk, "result": "pass"}),
            "visit.sign": ("sign", {"representative_name": "张校长", "signature": signature_url()}),
            "visit.submit": ("submit", {"summary": "检查完毕"}),
            "visit.review": ("review", {"decision": "approve"})}


def _clue_api(people, clue) -> dict:
    return {"clue.triage": ("triage", {"decision": "desk_check"}),
            "clue.verify_desk": ("verify-desk", {"result": "情况属实", "substantiated": True}),
            "clue.verify_visit": ("verify-visit", {"planned_date": timezone.localdate().isoformat(),
                                                   "lead": people.district_inspector.pk}),
            "clue.reply": ("reply", {"text": "已核实", "method": "phone"}), "clue.close": ("close", {})}


SURFACES = {  # kind -> (page and API prefix, API calls, flow, task lookup)
    "visit": ("visits", _visit_api, VisitFlow, "process__visitprocess__visit"),
    "clue": ("clues", _clue_api, ClueFlow, "process__clueprocess__clue"),
}


def _api_status(user, kind, obj, call) -> int:
    """What the API answers to one action; whatever it changes is rolled back."""
    client = APIClient()
    client.force_authenticate(user)
    verb, data = call
    with transaction.atomic():
        status = client.post(f"/api/v1/{SURFACES[kind][0]}/{obj.pk}/{verb}/", data, format="json").status_code
        transaction.set_rollback(True)
    return status


def _page_forms(user, kind, obj) -> set[str] | None:
    client = Client()
    client.force_login(user)
    response = client.get(f"/{SURFACES[kind][0]}/{obj.pk}/")
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    return set(FORM.findall(response.content.decode()))


def _open_tasks(kind, obj):
    _prefix, _api, flow_class, lookup = SURFACES[kind]
    return RoutedTask.objects.filter(process__flow_class=flow_class, flow_task_type="HUMAN", status__in=OPEN,
                                     **{lookup: obj})


def _inbox(user, kind, obj) -> set[str]:
    """What viewflow's inbox and queue show the person (workflows.routing), less steps claimed by others."""
    flow_class = SURFACES[kind][2]
    mine = RoutedTask.objects.user_queue(user, flow_class).filter(Q(owner__isnull=True) | Q(owner=user))
    return {t.flow_task.name for t in _open_tasks(kind, obj).filter(pk__in=mine.values("pk"))}


def _takeable(user, kind, obj) -> set[str]:
    """The open steps the flow itself lets the person take (its `.Permission()`, team and assignment)."""
    return {t.flow_task.name for t in _open_tasks(kind, obj)
            if t.owner_id == user.pk or (t.owner_id is None and t.flow_task.can_assign(user, t))}


def _expected_tasks(kind, state, user, obj, allowed) -> set[str]:
    if kind == "visit":
        return visit_actions.todo_nodes(allowed)
    nodes = {node for name in allowed for node in clue_actions.ACTIONS[name].nodes}
    # Known: the reply task opens when the visit is planned, the policy waits for its check-in (409).
    if state == "reply_before_check_in" and actions.can(user, "clue.reply", obj).code == "conflict":
        nodes.add("reply")
    return nodes


def _differences(kind, state, persona, user, obj) -> list[str]:
    allowed = set(actions.actions_for(user, obj))
    calls = SURFACES[kind][1](user, obj)
    where = f"{kind} {state} as {persona}"
    page = _page_forms(user, kind, obj)
    if page is None:  # invisible: nothing allowed, nothing routed, the API answers 404 to everything
        found = [f"{where}: policy allows {allowed} on a hidden {kind}"] if allowed else []
        found += [f"{where}: {_inbox(user, kind, obj)} routed for a hidden {kind}"] if _inbox(user, kind, obj) else []
        return found + [f"{where}: API {name} answered {s}, not 404" for name, call in calls.items()
                        if (s := _api_status(user, kind, obj, call)) != 404]
    found = [f"{where}: page shows {sorted(page)}, policy allows {sorted(allowed)}"] if page != allowed else []
    expected = _expected_tasks(kind, state, user, obj, allowed)
    for surface, got in (("inbox", _inbox(user, kind, obj)), ("flow", _takeable(user, kind, obj))):
        if got != expected:
            found.append(f"{where}: {surface} has {sorted(got)}, the policy's to-dos are {sorted(expected)}")
    for name, call in calls.items():
        want = {"ok": (200, 201), "forbidden": (403,), "conflict": (409,)}[actions.can(user, name, obj).code]
        if (status := _api_status(user, kind, obj, call)) not in want:
            found.append(f"{where}: API {name} answered {status}, expected one of {want}")
    return found


def _walk(people, kind, world) -> list[str]:
    return [d for state, obj in world.items() for persona in PERSONAS
            for d in _differences(kind, state, persona, getattr(people, persona), obj)]


def test_visit_page_api_inbox_flow_and_policy_agree_for_every_persona_and_state(cast, visits):
    differences = _walk(cast, "visit", visits)
    assert not differences, "\n".join(differences)


def test_clue_page_api_inbox_flow_and_policy_agree_for_every_persona_and_state(cast, clues):
    differences = _walk(cast, "clue", clues)
    assert not differences, "\n".join(differences)
