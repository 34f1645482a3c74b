"""The /rectification/ kanban offers on each card the button viewflow's own checks would offer.

GuardedDashboardView decides every card's button (execute, assign, view) for the
whole board at once instead of asking viewflow's per-card template filters; the
cards must still say what those filters say, for every person.
"""
import pytest
from django.test import Client
from viewflow.templatetags.workflow import can_assign, can_execute, can_view
from viewflow.workflow.status import STATUS

from tests.orders_helpers import issue, pass_and_close, sign_and_report
from workflows.rectification import RectificationFlow

PERSONAS = ("district_inspector", "district_leader", "school_leader", "school_staff", "city_leader",
            "other_district_inspector")


@pytest.fixture
def board(people, tree):
    """An order waiting to be signed, two waiting for a re-check (one taken by the inspector),
    a major one at the city, and one of district B."""
    issue(people, tree)
    rechecks = [issue(people, tree) for _ in range(2)]
    for order in rechecks:
        sign_and_report(people, order)
    major = issue(people, tree, severity="major")
    sign_and_report(people, major)
    pass_and_close(people, major)
    issue(people, tree, school=tree.school_b, inspector=people.other_district_inspector)
    taken = rechecks[0].process.task_set.get(flow_task=RectificationFlow.recheck)
    inspector = _client(people.district_inspector)
    assert inspector.post("/rectification/queue/assign/", {"pk": [taken.pk], "_confirm": "1"}).status_code == 302
    taken.refresh_from_db()
    assert taken.status == STATUS.ASSIGNED
    return taken


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _stock_action(task, user) -> str:
    """The button viewflow's own kanban template chooses (its filters, in its order)."""
    if can_execute(task, user):
        return "execute"
    if can_assign(task, user):
        return "assign"
    return "view" if can_view(task, user) else ""


def _cards(response) -> list:
    return [task for column in response.context["columns"] for task in column["tasks"]]


@pytest.mark.parametrize("who", PERSONAS)
def test_kanban_cards_offer_the_buttons_viewflows_own_checks_offer(people, board, who):
    user = getattr(people, who)
    cards = _cards(_client(user).get("/rectification/"))
    assert {task.pk: task.card_action for task in cards} == {task.pk: _stock_action(task, user) for task in cards}


def test_kanban_shows_the_inspector_his_taken_recheck_to_do_and_the_open_one_to_take(people, board):
    response = _client(people.district_inspector).get("/rectification/")
    actions = {task.pk: task.card_action for task in _cards(response)}
    open_recheck = RectificationFlow.task_class.objects.get(flow_task=RectificationFlow.recheck, status=STATUS.NEW)
    assert actions[board.pk] == "execute" and actions[open_recheck.pk] == "assign"
    page = response.content.decode()
    assert f"/rectification/{board.process_id}/recheck/{board.pk}/execute/" in page
    assert f"/rectification/{open_recheck.process_id}/recheck/{open_recheck.pk}/assign/" in page
    assert set(actions.values()) == {"execute", "assign", "view"}


def test_kanban_lets_the_city_leader_take_the_major_orders_approval(people, board):
    cards = _cards(_client(people.city_leader).get("/rectification/"))
    city = [task for task in cards if task.flow_task == RectificationFlow.city_approve]
    assert len(city) == 1 and city[0].card_action == "assign"
