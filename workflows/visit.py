"""The visit flow: plan → conduct → school signs → lead submits → leader reviews → order out → end.

The tablet screens are custom views (inspections/visits/views.py); each human
task here opens its screen, and the visit services complete the task through
`task_complete` in the same transaction as the domain change. Task
permissions are guardian permissions on organisations, so viewflow's own
inbox and queue show each task to exactly the right people — never to a school.
"""
from django.db.models import Q
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy
from viewflow import this
from viewflow.workflow import STATUS, flow

from inspections.visits import actions as visit_actions
from inspections.visits import steps as visit_steps
from inspections.conflicts import VisitConflict
from inspections.models import Visit
from organizations import access_cache
from organizations.roles import full_perm

from . import completion
from .models import RoutedTask, VisitProcess, routed_flow


# ---------------------------------------------------------------- rules (named, so the chart and tests can name them)


def _visit(process):
    # viewflow hands nodes the base Process row when it loads a task; the visit hangs on the subclass row.
    return (process if isinstance(process, VisitProcess) else process.visitprocess).visit


def permission_of(node: str) -> dict:
    """`.Permission(**permission_of("conduct"))`: the policy's permission for the node, on the organisation it names."""
    action = visit_actions.NODE_ACTION[node]

    def owner_of(process):
        return action.owner(_visit(process))

    owner_of.__name__ = f"owner_of_{node}"
    return {"permission": full_perm(action.perm), "obj": owner_of}


class TeamView(flow.View):
    """A step only the visit's own team does (inspections.visits.actions: `on_team`), on top of the permission:
    viewflow's queue routes it to them alone (workflows.routing asks `audience`) and only they may take it."""

    def audience(self, user) -> Q:
        return Q(process__visitprocess__visit__members__user=user)

    def can_assign(self, user, task):
        return super().can_assign(user, task) and visit_actions.on_team(user, _visit(task.process))


def lead_inspector_of(activation):
    lead = _visit(activation.process).members.filter(is_lead=True).select_related("user").first()
    return lead.user if lead else None


def review_approved(activation) -> bool:
    # the leader's decision, recorded on the visit by inspections.visits.services.visit_review
    return bool(_visit(activation.process).review_approved)


def open_task_screen(request, **kwargs):
    """A task opened from viewflow's inbox goes to the tablet screen for that step."""
    from django.urls import reverse

    task = request.activation.task
    screens = {"conduct": "visits:conduct", "sign": "visits:sign", "submit": "visits:summary",
               "review": "visits:review"}
    return redirect(reverse(screens.get(task.flow_task.name, "visits:detail"), args=[_visit(task.process).pk]))


# ---------------------------------------------------------------- the flow


@routed_flow
class VisitFlow(flow.Flow):
    process_class = VisitProcess
    task_class = RoutedTask
    lock_impl = completion.LOCK  # waiting, not NOWAIT (workflows.completion says why)
    process_title = gettext_lazy("督导检查")
    process_description = gettext_lazy("计划、现场检查、学校签字、提交、审核，审核通过后下发整改通知书。")

    start = flow.StartHandle(this.start_visit).Annotation(title=gettext_lazy("计划检查")).Next(this.conduct)

    conduct = (
        TeamView(open_task_screen).Annotation(title=gettext_lazy("现场检查"))
        .Permission(**permission_of("conduct")).Next(this.sign)
    )
    sign = (
        TeamView(open_task_screen).Annotation(title=gettext_lazy("学校代表签字"))
        .Permission(**permission_of("sign")).Next(this.submit)
    )
    submit = (
        flow.View(open_task_screen).Annotation(title=gettext_lazy("组长提交"))
        .Permission(**permission_of("submit")).Assign(lead_inspector_of)
        .onCreate(this.entered_submit).Next(this.review)
    )
    review = (
        flow.View(open_task_screen).Annotation(title=gettext_lazy("领导审核"))
        .Permission(**permission_of("review")).onCreate(this.entered_review).Next(this.decide)
    )
    decide = (
        flow.If(review_approved).Annotation(title=gettext_lazy("是否通过"))
        .Then(this.hand_over).Else(this.returned)
    )
    returned = flow.Function(this.mark_returned).Annotation(title=gettext_lazy("退回修改")).Next(this.submit)
    hand_over = flow.Function(this.issue_order).Annotation(title=gettext_lazy("下发整改通知书")).Next(this.end)
    end = flow.End()

    def start_visit(self, activation, visit):
        activation.process.visit = visit  # saved by the start activation
        return activation.process

    # --- nodes' callbacks; the visit's status after check-in is written here, through inspections.visits.steps

    def entered_submit(self, activation):
        # Signed on site: the record waits for the lead. After a return it stays "returned" until resubmitted.
        visit = _visit(activation.process)
        if visit.status == Visit.Status.IN_PROGRESS:
            visit_steps.visit_set_status(visit=visit, status=Visit.Status.SIGNED)

    def entered_review(self, activation):
        visit_steps.visit_set_status(visit=_visit(activation.process), status=Visit.Status.SUBMITTED)

    def mark_returned(self, activation):
        visit_steps.visit_set_status(visit=_visit(activation.process), status=Visit.Status.RETURNED)

    def issue_order(self, activation):
        visit = _visit(activation.process)
        visit_steps.visit_hand_over(visit=visit, approved_by=visit.reviewed_by)


# ---------------------------------------------------------------- driving the flow from the services


def open_task(visit, node: str):
    return (VisitFlow.task_class.objects
            .filter(process__visitprocess__visit=visit, flow_task=getattr(VisitFlow, node),
                    status__in=[STATUS.NEW, STATUS.ASSIGNED])
            .order_by("-pk").first())


def task_complete(*, visit, node: str, user):
    """Complete the open `node` task of the visit's process as `user`; the flow's own permission decides."""
    def attach(process):
        process.visit = visit  # the flow's nodes update the service's own (locked) visit

    return completion.run_step(task=open_task(visit, node), user=user, conflict=VisitConflict, attach=attach)


class VisitFlowApp(flow.FlowAppViewset):
    """The flow's process list, chart and task pages inside the viewflow Site."""

    def __init__(self):
        super().__init__(VisitFlow, icon="fact_check")

    def has_view_permission(self, user, obj=None):
        # Asked by every shell page's menu (a model-permission read): once per request, cached per user.
        if obj is not None or not user.is_authenticated:
            return super().has_view_permission(user, obj=obj)
        return access_cache.remembered(user, "flow-app:VisitFlowApp",
                                       lambda: super(VisitFlowApp, self).has_view_permission(user))
