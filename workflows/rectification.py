"""The rectification flow of one order (整改流程), as DESIGN.md describes it.

issue → school signs → school submits report → school leader approves it →
inspector re-checks → (fail: next round; from the third failure through the
city leader) → district leader approves closure (or returns it to re-check)
→ (major: city leader) → closed.

Domain status is written here, by the nodes: each user task sets the order's
status when it is created. Who may do each task comes from the action policy
(inspections.orders.actions), the numbers from inspections.thresholds. Timers are viewflow's own TimerBoundary events,
fired by `manage.py run_timers`; their handlers are idempotent so a re-armed
or re-created boundary never tells anyone twice.
"""
import datetime as dt

from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.status import STATUS

from inspections import thresholds

from inspections.orders import steps as order_steps
from inspections.orders.actions import ACTIONS
from inspections.models import Recheck, RectificationOrder, RectificationReport
from inspections.orders.selectors import orders_visible_to
from organizations import policy
from organizations.roles import full_perm
from workflows.calendar import SHANGHAI, due_after, working_days_before
from workflows import completion, viewflow_private
from workflows.deadlines import deadline_moved
from workflows.flow_guard import GuardedFlowAppMixin
from workflows.models import Deadline, RectificationProcess, RoutedTask, routed_flow

Status = RectificationOrder.Status
# The order's status while each person's task is open: the node sets it when the task is created
# (`entered`), and the consistency checker (workflows.consistency) reads the same table. The city's
# overdue supervision runs beside the school's task and changes nothing.
NODE_STATUS = {
    "sign": Status.ISSUED, "report": Status.RECTIFYING, "approve_report": Status.REPORT_REVIEW,
    "recheck": Status.RECHECKING, "city_supervise": Status.RECTIFYING,
    "approve_closure": Status.CLOSURE_REVIEW, "city_approve": Status.CITY_REVIEW,
}
PARALLEL_NODES = ("city_overdue_supervise",)
OPEN_STATUSES = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


# --- who may do each task: the action policy's permission on the organisation that owns the step

def order_of(process):
    # viewflow hands nodes the base Process row when its own pages load a task by pk.
    return (process if isinstance(process, RectificationProcess) else process.rectificationprocess).order


def permission_of(action_name: str) -> dict:
    """`.Permission(**permission_of("order.sign"))`: the action's permission, on its owning organisation."""
    action = ACTIONS[action_name]

    def owner_of(process):
        return action.owner(order_of(process))

    owner_of.__name__ = f"owner_of_{action_name.replace('.', '_')}"
    return {"permission": full_perm(action.perm), "obj": owner_of}


# --- when the timers fire (callables of the boundary's activation)

def _order(activation):
    return activation.process.order


def sign_reminder_at(activation):
    return due_after(_order(activation).issued_at, thresholds.SIGN_REMINDER_WORKING_DAYS).due_at + dt.timedelta(seconds=1)


def overdue_at(activation):
    return _order(activation).deadline.due_at + dt.timedelta(seconds=1)


def _reminder_at(activation, n: int):
    due_day = _order(activation).deadline.due_at.astimezone(SHANGHAI).date()
    return dt.datetime.combine(working_days_before(due_day, n), thresholds.REMINDER_HOUR, tzinfo=SHANGHAI)


# One timer per reminder offset (viewflow keys a boundary by its delay callable).
FIRST_REMINDER, LAST_REMINDER = thresholds.DEADLINE_REMINDER_WORKING_DAYS


def first_reminder_at(activation):
    return _reminder_at(activation, FIRST_REMINDER)


def last_reminder_at(activation):
    return _reminder_at(activation, LAST_REMINDER)


def recheck_due_at(activation):
    return due_after(timezone.now(), thresholds.RECHECK_SLA_WORKING_DAYS).due_at + dt.timedelta(seconds=1)


DEADLINE_DELAYS = (overdue_at, first_reminder_at, last_reminder_at)


def task_page(request, process_pk, task_pk, **kwargs):
    """viewflow's execute URL of every user task: the order page, where the forms live."""
    process = RectificationProcess.objects.get(pk=process_pk)
    return redirect("orders:detail", pk=process.order_id)


@routed_flow
class RectificationFlow(flow.Flow):
    """整改流程

    整改通知书从下发到销号的全过程。
    """

    process_class = RectificationProcess
    task_class = RoutedTask  # viewflow's queue pages answered from the open-task index (workflows.routing)
    lock_impl = completion.LOCK  # waiting, not NOWAIT (workflows.completion says why)

    start = flow.StartHandle(this.start_order).Next(this.sign)

    sign = (
        flow.View(task_page).Annotation(title=_("签收整改通知"))
        .Permission(**permission_of("order.sign"))
        .onCreate(this.entered)
        .OnTimeout(sign_reminder_at, this.remind_unsigned, interrupting=False, title=_("2个工作日未签收"))
        .OnTimeout(overdue_at, this.mark_overdue, interrupting=False, title=_("整改期限届满"))
        .Next(this.report)
    )
    report = (
        flow.View(task_page).Annotation(title=_("填报整改报告"))
        .Permission(**permission_of("order.report"))
        .onCreate(this.entered)
        .OnTimeout(first_reminder_at, this.remind_deadline, interrupting=False, title=_("期限前提醒"))
        .OnTimeout(last_reminder_at, this.remind_deadline, interrupting=False, title=_("期限前最后提醒"))
        .OnTimeout(overdue_at, this.mark_overdue, interrupting=False, title=_("整改期限届满"))
        .Next(this.approve_report)
    )
    approve_report = (
        flow.View(task_page).Annotation(title=_("校内审核整改报告"))
        .Permission(**permission_of("order.approve_report"))
        .onCreate(this.entered)
        .OnTimeout(overdue_at, this.mark_overdue, interrupting=False, title=_("整改期限届满"))
        .Next(this.report_approved)
    )
    report_approved = (
        flow.If(this.is_report_approved).Annotation(title=_("校内审核通过？"))
        .Then(this.recheck).Else(this.report)
    )
    recheck = (
        flow.View(task_page).Annotation(title=_("复查"))
        .Permission(**permission_of("order.recheck"))
        .onCreate(this.entered)
        .OnTimeout(recheck_due_at, this.remind_recheck, interrupting=False, title=_("5个工作日未复查"))
        .Next(this.recheck_passed)
    )
    recheck_passed = (
        flow.If(this.is_recheck_passed).Annotation(title=_("复查通过？"))
        .Then(this.approve_closure).Else(this.city_needed)
    )
    city_needed = (
        flow.If(this.is_city_escalation_due).Annotation(title=_("第三次不通过？"))
        .Then(this.city_supervise).Else(this.report)
    )
    city_supervise = (
        flow.View(task_page).Annotation(title=_("市级挂牌督办"))
        .Permission(**permission_of("order.city_supervise"))
        .onCreate(this.entered_city_supervision)
        .Next(this.report)
    )
    approve_closure = (
        flow.View(task_page).Annotation(title=_("销号审批"))
        .Permission(**permission_of("order.approve_closure"))
        .onCreate(this.entered)
        .Next(this.closure_decided)
    )
    closure_decided = (
        flow.If(this.is_closure_returned).Annotation(title=_("退回复查？"))
        .Then(this.recheck).Else(this.city_approval_needed)
    )
    city_approval_needed = (
        flow.If(this.is_major).Annotation(title=_("重大问题？"))
        .Then(this.city_approve).Else(this.close)
    )
    city_approve = (
        flow.View(task_page).Annotation(title=_("市级销号审批"))
        .Permission(**permission_of("order.city_approve"))
        .onCreate(this.entered_city_review)
        .Next(this.close)
    )
    close = flow.Function(this.close_order).Annotation(title=_("销号")).Next(this.end)
    end = flow.End()

    remind_unsigned = flow.Function(this.on_unsigned).Annotation(title=_("催签收")).Next(this.timer_done)
    remind_deadline = flow.Function(this.on_deadline_near).Annotation(title=_("期限提醒")).Next(this.timer_done)
    mark_overdue = flow.Function(this.on_overdue).Annotation(title=_("逾期督办")).Next(this.overdue_to_city)
    overdue_to_city = (
        flow.If(this.is_city_overdue_due).Annotation(title=_("再次逾期？"))
        .Then(this.city_overdue_supervise).Else(this.timer_done)
    )
    # A parallel task beside the school's: the school goes on rectifying while the city instructs.
    city_overdue_supervise = (
        flow.View(task_page).Annotation(title=_("逾期市级督办"))
        .Permission(**permission_of("order.city_supervise"))
        .Next(this.timer_done)
    )
    remind_recheck = flow.Function(this.on_recheck_late).Annotation(title=_("催复查")).Next(this.timer_done)
    timer_done = flow.End()

    def has_view_permission(self, user, obj=None):
        # Flow-wide: anyone with an organisation to see. For a process (task detail's
        # `can_view`, process detail), only if its order is visible to the user.
        if obj is not None:
            return visible_rectification_processes(user).filter(pk=obj.pk).exists()
        return user.is_authenticated and policy.visible_orgs(user).exists()

    # --- nodes' callbacks; what they do to the order lives in inspections.orders.steps

    def start_order(self, activation, order):
        # Saved (inserted) by the start activation's execute() right after this returns.
        activation.process.order = order
        return activation.process

    def entered(self, activation):
        order_steps.order_set_status(order=activation.process.order,
                                     status=NODE_STATUS[activation.flow_task.name])

    def entered_city_review(self, activation):
        self.entered(activation)
        order_steps.city_review_opened(order=activation.process.order)

    def entered_city_supervision(self, activation):
        self.entered(activation)
        order_steps.order_escalate(order=activation.process.order, level=thresholds.CITY_LEVEL,
                                   reason="recheck_failed")

    def is_report_approved(self, activation):
        report = activation.process.order.reports.order_by("-id").first()
        return report is not None and report.status == RectificationReport.Status.APPROVED

    def is_recheck_passed(self, activation):
        last = activation.process.order.rechecks.order_by("-round").first()
        return last is not None and last.result == Recheck.Result.PASS

    def is_city_escalation_due(self, activation):
        failed = activation.process.order.rechecks.filter(result=Recheck.Result.FAIL).count()
        return thresholds.city_supervision_due_after_rechecks(failed)

    def is_closure_returned(self, activation):
        # the leader's decision, recorded on the order by inspections.orders.services.closure_return / closure_approve
        return activation.process.order.closure_decision == RectificationOrder.ClosureDecision.RETURNED

    def is_city_overdue_due(self, activation):
        # The second overdue raises a city task once; a re-fired or re-armed overdue timer adds none.
        process = activation.process
        count = RectificationOrder.objects.values_list("overdue_count", flat=True).get(pk=order_of(process).pk)
        if not thresholds.city_supervision_due_after_overdue(count):
            return False
        return not process.task_set.filter(flow_task=RectificationFlow.city_overdue_supervise).exists()

    def is_major(self, activation):
        return thresholds.needs_city_approval(activation.process.order)

    def close_order(self, activation):
        order_steps.order_close(order=activation.process.order)

    def on_unsigned(self, activation):
        order_steps.timer_unsigned(process=activation.process)

    def on_deadline_near(self, activation):
        order_steps.timer_deadline_near(process=activation.process)

    def on_overdue(self, activation):
        order_steps.timer_overdue(process=activation.process)

    def on_recheck_late(self, activation):
        order_steps.timer_recheck_late(process=activation.process)


def rearm_deadline_timers(process) -> int:
    """Cancel the deadline timers of the open school tasks and arm them again from the current deadline.

    Called under the process lock after the deadline moved; returns how many timers were armed.
    """
    hosts = process.task_set.filter(
        flow_task__in=[RectificationFlow.sign, RectificationFlow.report, RectificationFlow.approve_report],
        status__in=OPEN_STATUSES,
    )
    armed = 0
    for host in hosts:
        host_activation = host.flow_task.activation_class(host)
        for boundary in viewflow_private.timer_boundaries(host.flow_task):
            if viewflow_private.timer_delay(boundary) not in DEADLINE_DELAYS:
                continue
            for old in process.task_set.filter(flow_task=boundary, previous=host, status=STATUS.SCHEDULED):
                boundary.activation_class(old).cancel()
            viewflow_private.arm_timer(boundary, host_activation)
            armed += 1
    return armed


@receiver(deadline_moved, sender=Deadline, dispatch_uid="rectification_rearm_on_deadline_moved")
def _deadline_moved(sender, deadline, old_due_at, **kwargs):
    process = RectificationProcess.objects.filter(order__deadline=deadline).first()
    if process is None or process.finished is not None:
        return
    with RectificationFlow.lock(process.pk), transaction.atomic():
        rearm_deadline_timers(process)


# --- viewflow's own pages (inbox, queue, archive, process list, detail, chart) inside the Site


def visible_rectification_processes(user):
    """The processes of the orders the user may see (inspections.orders.selectors decides)."""
    return RectificationProcess.objects.filter(order__in=orders_visible_to(user).values("pk"))


class RectificationFlowApp(GuardedFlowAppMixin, flow.FlowAppViewset):
    """viewflow's flow app; every page naming a process or task answers 404 for an order the user may not see."""

    def __init__(self):
        super().__init__(RectificationFlow, icon="assignment_late")

    def visible_processes(self, user):
        return visible_rectification_processes(user)
