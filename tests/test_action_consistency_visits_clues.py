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
from inspections.checklists.services import checklist_load_standard
from inspections.models import Clue, Visit, VisitItemResult
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
from .visits_helpers import items_of, plan, signature_url

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


# ---------------------------------------------------------------- one object per state

VISIT_STATES = ["planned", "surprise_before_check_in", "in_progress", "signed", "submitted", "returned", "approved"]
CLUE_STATES = ["registered", "desk_check", "visit_to_plan", "reply_before_check_in", "reply_after_visit",
               "out_of_scope", "replied", "closed"]


def _answered(visit, user):
    """Checked in, every item answered "pass" (set-up only: the answers' own service is tested elsewhere)."""
    visit_check_in(visit=visit, user=user, geo_status="denied")
    VisitItemResult.objects.bulk_create([VisitItemResult(visit=visit, item=item, result="pass", recorded_by=user,
                                                         recorded_at=timezone.now()) for item in items_of(visit)])


def visit_in(state, people, tree) -> Visit:
    """Team: district_inspector (lead) and city_inspector. No service cancels a visit, so none rests there."""
    lead, at = people.district_inspector, VISIT_STATES.index(state)
    visit = plan(people, tree, kind="surprise" if state == "surprise_before_check_in" else "routine")
    if at >= 2:
        _answered(visit, lead)
    if at >= 3:
        visit_sign(visit=visit, user=lead, representative_name="张校长", signature_data_url=signature_url())
    if at >= 4:
        visit_submit(visit=visit, user=lead, summary="检查完毕")
    if at >= 5:
        visit_review(visit=visit, user=people.district_leader, approve=state == "approved", reason="请补充照片")
    return Visit.objects.get(pk=visit.pk)


def clue_in(state, people, tree) -> Clue:
    leader, inspector = people.district_leader, people.district_inspector
    checklist_load_standard()
    clue = hotline_clue(people, tree, ref=f"GD-{state}")
    decision = {"desk_check": "desk_check", "replied": "desk_check", "closed": "desk_check",
                "out_of_scope": "out_of_scope"}.get(state, "surprise_visit")
    if state != "registered":
        clue_triage(clue=clue, user=leader, decision=decision, reason="不属于督导范围")
    if state in ("replied", "closed"):
        clue_verify_desk(clue=clue, user=inspector, result="情况属实", substantiated=True)
        clue_reply(clue=clue, user=leader, text="已核实并整改", method="phone")
    if state in ("reply_before_check_in", "reply_after_visit"):
        clue_verify_visit(clue=clue, user=inspector, planned_date=timezone.localdate(), lead=inspector)
    if state == "reply_after_visit":
        visit_check_in(visit=Clue.objects.get(pk=clue.pk).visit, user=inspector, geo_status="denied")
    if state == "closed":
        clue_close(clue=clue, user=leader)
    return Clue.objects.get(pk=clue.pk)


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


def _differences(kind, state, persona, user, obj, calls) -> list[str]:
    allowed = set(actions.actions_for(user, obj))
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


def _walk(people, kind, state, obj) -> list[str]:
    calls = SURFACES[kind][1](people, obj)
    return [d for persona in PERSONAS for d in _differences(kind, state, persona, getattr(people, persona), obj, calls)]


@pytest.mark.parametrize("state", VISIT_STATES)
def test_visit_page_api_inbox_flow_and_policy_agree_for_every_persona(cast, tree, state):
    differences = _walk(cast, "visit", state, visit_in(state, cast, tree))
    assert not differences, "\n".join(differences)


@pytest.mark.parametrize("state", CLUE_STATES)
def test_clue_page_api_inbox_flow_and_policy_agree_for_every_persona(cast, tree, state):
    differences = _walk(cast, "clue", state, clue_in(state, cast, tree))
    assert not differences, "\n".join(differences)


# ---------------------------------------------------------------- who is told to act


VISIT_CALLS = {"planned": ("visit.assigned", "visit.check_in"), "submitted": ("visit.submitted", "visit.review"),
               "returned": ("visit.returned", "visit.answer")}
CLUE_CALLS = {"registered": ("clue.registered", "clue.triage"), "desk_check": ("clue.to_verify", "clue.verify_desk"),
              "visit_to_plan": ("clue.to_verify", "clue.verify_visit"), "out_of_scope": ("clue.to_reply", "clue.reply"),
              "reply_after_visit": ("clue.to_reply", "clue.reply")}


def _told(kind_name, prefix, obj) -> set:
    return {n.recipient for n in Notification.objects.filter(kind=kind_name, link=f"/{prefix}/{obj.pk}/")}


@pytest.mark.parametrize("kind, state", [("visit", s) for s in VISIT_CALLS] + [("clue", s) for s in CLUE_CALLS])
def test_whoever_is_told_to_act_may_act(cast, tree, kind, state):
    event, action = (VISIT_CALLS if kind == "visit" else CLUE_CALLS)[state]
    obj = (visit_in if kind == "visit" else clue_in)(state, cast, tree)
    told = _told(event, SURFACES[kind][0], obj)
    assert told, f"{state}: nobody told by {event}"
    for user in told:
        assert actions.can(user, action, obj), f"{state}: {user} told by {event} but may not {action}"


def test_the_visit_team_is_told_and_exactly_the_team_is_routed_the_visit(cast, tree):
    visit = visit_in("planned", cast, tree)  # planned by its lead, who needs no telling
    assert _told("visit.assigned", "visits", visit) == {cast.city_inspector}
    routed = {p for p in PERSONAS if _inbox(getattr(cast, p), "visit", visit)}
    assert routed == {"district_inspector", "city_inspector"}  # not the district's other inspector


# ---------------------------------------------------------------- refusals


def test_a_school_never_sees_a_surprise_visit_before_check_in(cast, tree):
    visit = visit_in("surprise_before_check_in", cast, tree)
    for persona in ("school_leader", "school_staff", "outsider"):
        user = getattr(cast, persona)
        assert _page_forms(user, "visit", visit) is None
        assert actions.actions_for(user, visit) == [] and not _inbox(user, "visit", visit)
        client = APIClient()
        client.force_authenticate(user)
        assert client.get(f"/api/v1/visits/{visit.pk}/").status_code == 404
        assert _api_status(user, "visit", visit, ("check-in", {"geo_status": "denied"})) == 404
    assert _page_forms(cast.school_leader, "visit", visit_in("planned", cast, tree)) == set()  # routine: announced


def test_the_team_and_the_policy_refuse_the_districts_other_inspector_with_a_reason(cast, tree):
    visit, other = visit_in("in_progress", cast, tree), cast.off_team_inspector
    decision = actions.can(other, "visit.sign", visit)
    assert decision.code == "forbidden" and "检查组成员" in decision.reason
    assert _api_status(other, "visit", visit, _visit_api(cast, visit)["visit.sign"]) == 403
    assert not _takeable(other, "visit", visit) and _takeable(cast.city_inspector, "visit", visit) == {"conduct"}


@pytest.mark.parametrize("state", ["signed", "returned"])
def test_only_the_lead_submits_and_only_the_lead_is_asked_to(cast, tree, state):
    visit = visit_in(state, cast, tree)
    assert actions.can(cast.city_inspector, "visit.submit", visit).code == "forbidden"
    assert actions.can(cast.district_inspector, "visit.submit", visit)
    home = {t.url for t in todos_for(cast.city_inspector)}
    assert f"/visits/{visit.pk}/" not in home, f"{state}: a non-lead member is asked to submit"
    assert f"/visits/{visit.pk}/" in {t.url for t in todos_for(cast.district_inspector)}


def test_a_reply_waits_for_the_surprise_visit_to_begin(cast, tree):
    """Known gap, kept visible: the flow opens the reply task (and tells the leaders) when the visit is
    planned; the policy refuses the reply with 409 until the team has checked in, and the page shows no form."""
    clue = clue_in("reply_before_check_in", cast, tree)
    decision = actions.can(cast.district_leader, "clue.reply", clue)
    assert decision.code == "conflict" and "突击检查尚未开展" in decision.reason
    assert "clue.reply" not in (_page_forms(cast.district_leader, "clue", clue) or set())
    assert _api_status(cast.district_leader, "clue", clue, _clue_api(cast, clue)["clue.reply"]) == 409
    assert actions.can(cast.district_leader, "clue.reply", clue_in("reply_after_visit", cast, tree))


def test_one_entry_point_answers_every_process(cast, tree):
    assert actions.POLICIES["visit"] is visit_actions and actions.POLICIES["clue"] is clue_actions
    assert actions.can(cast.district_inspector, "visit.plan", tree.school_a)
    assert actions.can(cast.school_leader, "visit.plan", tree.school_a).code == "forbidden"
    assert actions.can(cast.district_leader, "clue.register", tree.district_a)
    assert actions.can(cast.other_district_leader, "clue.register", tree.district_a).code == "forbidden"
    visit = visit_in("in_progress", cast, tree)
    assert actions.actions_for(cast.district_inspector, visit) == ["visit.answer", "visit.sign"]
    assert actions.actions_for(cast.district_leader, clue_in("registered", cast, tree)) == ["clue.triage"]
