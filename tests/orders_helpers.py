"""Shared steps for the order tests: issue an order and walk it through the flow as the right people."""
import datetime as dt

from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from inspections.models import AuditEvent
from inspections.orders.services import (
    closure_approve, finding_create, order_issue, order_sign, recheck_record, report_approve, report_submit,
)
from workflows.rectification import RectificationFlow


def issue(people, tree, *, severity="general", hazard=False, school=None, inspector=None):
    school = school or tree.school_a
    inspector = inspector or people.district_inspector
    finding = finding_create(school=school, description="实训室消防通道堵塞", severity=severity,
                             hazard=hazard, found_by=inspector)
    return order_issue(school=school, findings=[finding], issued_by=inspector, requirements="清理通道")


def queue_names(user, order) -> set[str]:
    """The open tasks of this order that viewflow's own queue offers to `user`."""
    tasks = Task.objects.user_queue(user, flow_class=RectificationFlow).filter(
        process_id=order.process.pk, status__in=[STATUS.NEW, STATUS.ASSIGNED])
    return {t.flow_task.name for t in tasks}


def actions(order) -> list[str]:
    return list(AuditEvent.objects.filter(order=order).values_list("action", flat=True))


def sign_and_report(people, order):
    order_sign(order=order, user=people.school_leader)
    report_submit(order=order, user=people.school_staff, measures="已清理通道，增设标识")
    report_approve(order=order, user=people.school_leader)


def pass_and_close(people, order):
    recheck_record(order=order, user=people.district_inspector, method="on_site", result="pass")
    closure_approve(order=order, user=people.district_leader)


def fail_round(people, order):
    report_submit(order=order, user=people.school_staff, measures=f"第{order.round}轮整改")
    report_approve(order=order, user=people.school_leader)
    recheck_record(order=order, user=people.district_inspector, method="document", result="fail",
                   notes="仍未整改到位")


def at(day: dt.date, hour=10):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


# --- viewflow's own pages of a flow app: every URL pattern, filled in for one process

def flow_app_patterns(namespace: str) -> list[tuple[str, str]]:
    """(url name, route) of every pattern the flow app `namespace` exposes, e.g. ("recheck:assign", "<int:process_pk>/...")."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found = []

    def walk(patterns, prefix, names):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern), names + [entry.namespace] if entry.namespace else names)
            elif isinstance(entry, URLPattern) and names[:1] == [namespace]:
                found.append((":".join(names[1:] + [entry.name]), prefix + str(entry.pattern)))

    walk(get_resolver().url_patterns, "/", [])
    return found


def flow_app_urls(namespace: str, process) -> dict[str, str]:
    """Every URL of the flow app for `process`: its node URLs filled with that node's task of the process.

    Nodes without a task in the process are left out (they answer 404 to everyone); process-less
    pages (dashboard, lists, chart) are included as they are.
    """
    tasks = {t.flow_task.name: t.pk for t in process.task_set.order_by("pk")}
    urls = {}
    for name, route in flow_app_patterns(namespace):
        node = name.split(":")[0] if ":" in name else None
        if "<int:task_pk>" in route and node not in tasks:
            continue
        urls[name] = (route.replace("<int:process_pk>", str(process.pk))
                      .replace("<int:task_pk>", str(tasks.get(node, 0))))
    return urls
