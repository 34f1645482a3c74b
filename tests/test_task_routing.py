"""Task routing from the open-task index (workflows.routing) answers exactly what viewflow's stock queue answers."""
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from inspections.orders.services import order_sign, recheck_record
from workflows.tasks import tasks_for
from tests.orders_helpers import issue, sign_and_report
from tests.clue_helpers import hotline_clue
from tests.visits_helpers import plan
from workflows.clue import ClueFlow
from workflows.models import RoutedTask
from workflows.rectification import RectificationFlow
from workflows.routing import routed_to
from workflows.visit import VisitFlow

OPEN = [STATUS.NEW, STATUS.ASSIGNED]


def _orders_in_every_open_step(people, tree):
    signing = issue(people, tree)
    rectifying = issue(people, tree, school=tree.school_b, inspector=people.other_district_inspector)
    order_sign(order=rectifying, user=_school_leader_of(people, tree))
    rechecking = issue(people, tree)
    sign_and_report(people, rechecking)
    closing = issue(people, tree, severity="major")
    sign_and_report(people, closing)
    recheck_record(order=closing, user=people.district_inspector, method="on_site", result="pass")
    return signing, rectifying, rechecking, closing


def _school_leader_of(people, tree):
    from tests.conftest import _user
    from organizations.roles import Role

    return _user("school_b_leader", tree.school_b, Role.SCHOOL_LEADER)


def _stock(user):
    return set(Task.objects.user_queue(user, flow_class=RectificationFlow)
               .filter(status__in=OPEN).values_list("pk", flat=True))


def _routed(user):
    return set(Task.objects.filter(routed_to(user, RectificationFlow), flow_task_type="HUMAN",
                                   status__in=OPEN).values_list("pk", flat=True))


def test_routed_queue_equals_viewflow_stock_queue_for_every_person(people, tree):
    _orders_in_every_open_step(people, tree)
    seen_any = 0
    for name, user in vars(people).items():
        assert _routed(user) == _stock(user), name
        seen_any += bool(_stock(user))
    assert seen_any >= 5  # the comparison is not vacuous: most people have something to do


def test_school_staff_of_another_school_gets_none_of_this_schools_tasks(people, tree):
    signing, *_ = _orders_in_every_open_step(people, tree)
    assert [t.order.pk for t in tasks_for(people.school_leader)] == [signing.pk]
    assert not any(t.order.school_id == tree.school_a.pk for t in tasks_for(people.other_school_staff))
    assert tasks_for(people.outsider) == []


def test_inactive_user_has_no_tasks(people, tree):
    issue(people, tree)
    people.school_leader.is_active = False
    people.school_leader.save(update_fields=["is_active"])
    assert tasks_for(people.school_leader) == []


def test_viewflow_pages_queue_equals_the_stock_queue_in_every_flow(people, tree):
    """The inbox, queue pages and menu counts of the flow apps read RoutedTask; they must offer what viewflow would."""
    _orders_in_every_open_step(people, tree)
    plan(people, tree)
    hotline_clue(people, tree)
    flows = (RectificationFlow, VisitFlow, ClueFlow)
    assert all(flow.task_class is RoutedTask for flow in flows)
    for name, user in vars(people).items():
        for flow in flows:
            ours = RoutedTask.objects.user_queue(user, flow_class=flow).filter(status__in=OPEN)
            stock = Task.objects.user_queue(user, flow_class=flow).filter(status__in=OPEN)
            assert set(ours.values_list("pk", flat=True)) == set(stock.values_list("pk", flat=True)), (name, flow)
        assert (set(RoutedTask.objects.queue(list(flows), user).values_list("pk", flat=True))
                == set(Task.objects.queue(list(flows), user).values_list("pk", flat=True))), name
    assert RoutedTask.objects.user_queue(people.district_inspector, flow_class=VisitFlow).exists()
    assert RoutedTask.objects.user_queue(people.district_leader, flow_class=ClueFlow).exists()
