"""Does each order's domain status agree with its RectificationFlow process?

Every flow action changes the order, its records and the process's tasks in one
transaction, so after any crash (a killed web worker, a killed scheduler) an
order must still look like exactly one of the states workflows.rectification
can produce. These checks say where one does not; `manage.py check_flows` runs
them for operators, and tests/test_crash_safety.py after killing servers.
"""
from collections import Counter

from viewflow.workflow.nodes import TimerBoundary
from viewflow.workflow.status import PROCESS, STATUS

from inspections import thresholds
from inspections.models import RectificationOrder
from workflows import viewflow_private
from workflows.models import RectificationProcess
from workflows.rectification import NODE_STATUS, PARALLEL_NODES

def _expected_open() -> dict[str, tuple[set, ...]]:
    """The open human task(s) each status allows, derived from the flow's NODE_STATUS table."""
    expected: dict[str, list[set]] = {status: [] for status in RectificationOrder.Status.values}
    for node, status in NODE_STATUS.items():
        expected[status].append({node})
    expected[RectificationOrder.Status.CLOSED].append(set())
    return {status: tuple(sets) for status, sets in expected.items()}


EXPECTED_OPEN = _expected_open()
# The city's overdue instruction runs beside the school's task, in any status, once per order.
(PARALLEL,) = PARALLEL_NODES
OPEN_HUMAN = (STATUS.NEW, STATUS.ASSIGNED)
SETTLED = (STATUS.DONE, STATUS.CANCELED)
# Which audit actions each completed human task writes in its own transaction.
AUDITED = (
    (("sign",), ("order.signed",)),
    (("report",), ("report.submitted",)),
    (("approve_report",), ("report.approved", "report.returned")),
    (("recheck",), ("recheck.pass", "recheck.fail")),
    (("approve_closure", "city_approve"), ("closure.approved", "closure.returned")),
    (("city_supervise", PARALLEL), ("order.city_supervised",)),
)


def order_flow_problems(order) -> list[str]:
    """What is inconsistent between `order` and its flow; empty when all agrees."""
    process = RectificationProcess.objects.filter(order_id=order.pk).first()
    if process is None:
        return [f"{order.number}: no flow process"]
    tasks = list(process.task_set.prefetch_related("previous").order_by("pk"))
    problems = (_stuck_tasks(tasks) + _open_task_problems(order, tasks) + _finish_problems(order, process, tasks)
                + _timer_problems(tasks) + _record_problems(order, tasks))
    return [f"{order.number}: {problem}" for problem in problems]


def all_order_flow_problems(orders) -> list[str]:
    """The problems of every order in the queryset `orders`, in id order."""
    problems = []
    for order in orders.select_related(None).order_by("pk").iterator(chunk_size=500):
        problems.extend(order_flow_problems(order))
    return problems


def _name(task) -> str:
    return task.flow_task.name if task.flow_task is not None else f"<missing node of task {task.pk}>"


def _stuck_tasks(tasks) -> list[str]:
    """A task half-run (STARTED), failed (ERROR), or a synchronous node left unfinished."""
    problems = []
    for task in tasks:
        if task.status in (STATUS.STARTED, STATUS.ERROR):
            problems.append(f"task {_name(task)}/{task.pk} left {task.status}")
        elif task.flow_task_type == "HUMAN" and task.status not in OPEN_HUMAN + SETTLED:
            problems.append(f"human task {_name(task)}/{task.pk} in {task.status}")
        elif task.flow_task_type == "TIMER" and task.status not in (STATUS.SCHEDULED,) + SETTLED:
            problems.append(f"timer {_name(task)}/{task.pk} in {task.status}")
        elif task.flow_task_type not in ("HUMAN", "TIMER") and task.status not in SETTLED:
            problems.append(f"{task.flow_task_type} task {_name(task)}/{task.pk} not finished ({task.status})")
    return problems


def _open_human(tasks) -> list[str]:
    return [_name(t) for t in tasks if t.flow_task_type == "HUMAN" and t.status in OPEN_HUMAN]


def _open_task_problems(order, tasks) -> list[str]:
    open_names = _open_human(tasks)
    problems = [f"{count} open {name} tasks" for name, count in Counter(open_names).items() if count > 1]
    main = set(open_names) - {PARALLEL}
    allowed = EXPECTED_OPEN.get(order.status)
    if allowed is None:
        problems.append(f"unknown status {order.status!r}")
    elif main not in allowed:
        expected = " or ".join(str(sorted(names)) for names in allowed)
        problems.append(f"status {order.status} but open tasks {sorted(main)} (expected {expected})")
    if PARALLEL in open_names and not thresholds.city_supervision_due_after_overdue(order.overdue_count):
        problems.append(f"open {PARALLEL} with overdue_count {order.overdue_count}")
    return problems


def _finish_problems(order, process, tasks) -> list[str]:
    """The process is finished exactly when the order is closed and nothing of it is still open."""
    closed = order.status == RectificationOrder.Status.CLOSED
    still_open = [t for t in tasks if t.status not in SETTLED]
    should_finish = closed and not still_open
    problems = []
    if should_finish != (process.finished is not None) or should_finish != (process.status == PROCESS.DONE):
        problems.append(f"order {order.status} but process {process.status} finished={process.finished}")
    if closed != (order.closed_at is not None):
        problems.append(f"order {order.status} but closed_at={order.closed_at}")
    return problems


def _timer_problems(tasks) -> list[str]:
    """Each open host task has each of its boundary timers armed once; no timer outlives its host."""
    problems = []
    timers = [t for t in tasks if t.flow_task_type == "TIMER" and isinstance(t.flow_task, TimerBoundary)]
    for timer in timers:
        hosts = list(timer.previous.all())
        if timer.status == STATUS.SCHEDULED and not any(h.status in OPEN_HUMAN for h in hosts):
            problems.append(f"timer {_name(timer)}/{timer.pk} scheduled but its host task is not open")
    for host in (t for t in tasks if t.flow_task_type == "HUMAN" and t.status in OPEN_HUMAN):
        for boundary in viewflow_private.timer_boundaries(host.flow_task):
            mine = [t for t in timers if t.flow_task == boundary and host in t.previous.all()]
            scheduled = sum(t.status == STATUS.SCHEDULED for t in mine)
            if scheduled > 1 or not any(t.status in (STATUS.SCHEDULED, STATUS.DONE) for t in mine):
                problems.append(f"open {_name(host)}/{host.pk} has {scheduled} scheduled {boundary.name} timers")
    return problems


def _record_problems(order, tasks) -> list[str]:
    """The order's records and audit trail count exactly the human tasks completed."""
    done = Counter(_name(t) for t in tasks if t.flow_task_type == "HUMAN" and t.status == STATUS.DONE)
    audited = Counter(order.audit_events.values_list("action", flat=True))
    problems = []
    for nodes, actions in AUDITED:
        completed, logged = sum(done[n] for n in nodes), sum(audited[a] for a in actions)
        if completed != logged:
            problems.append(f"{completed} {'/'.join(nodes)} task(s) done but {logged} {'/'.join(actions)} audited")
    if (order.signed_at is not None) != bool(done["sign"]):
        problems.append(f"signed_at={order.signed_at} but {done['sign']} sign task(s) done")
    reports = list(order.reports.values_list("status", flat=True))
    reviewed = sum(status in ("approved", "returned") for status in reports)
    if (len(reports), reviewed) != (done["report"], done["approve_report"]):
        problems.append(f"{len(reports)} reports ({reviewed} reviewed) but {done['report']} report and "
                        f"{done['approve_report']} approve_report task(s) done")
    failed = order.rechecks.filter(result="fail").count()
    if failed != order.round - 1 or order.rechecks.filter(result="fail", round=order.round).exists():
        problems.append(f"round {order.round} but {failed} failed re-check(s)")
    return problems
