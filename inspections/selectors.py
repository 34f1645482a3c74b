"""Permission-filtered reads. An order the user may not see does not exist for them (404)."""
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from organizations import policy
from organizations.roles import Perm

from .models import ExtensionRequest, RectificationOrder


def orders_visible_to(user) -> QuerySet[RectificationOrder]:
    """Orders of the schools the user may see: own school, or the schools below their authority."""
    return RectificationOrder.objects.filter(school__in=policy.visible_orgs(user)).select_related(
        "school", "issuer", "deadline", "issued_by",
    )


def get_order_for_user(user, pk) -> RectificationOrder:
    order = orders_visible_to(user).filter(pk=pk).first()
    if order is None:
        raise Http404("no such order")
    return order


def get_extension_for_user(user, pk) -> ExtensionRequest:
    ext = ExtensionRequest.objects.select_related("order").filter(
        pk=pk, order__in=orders_visible_to(user)).first()
    if ext is None:
        raise Http404("no such extension request")
    return ext


@dataclass(frozen=True)
class TaskItem:
    """One thing the user can do now: a flow task or an extension request to decide."""

    kind: str          # the flow node name, or "decide_extension"
    title: str
    order: RectificationOrder
    task_id: int | None = None
    extension_id: int | None = None


def _flow_tasks(user):
    from workflows.rectification import RectificationFlow

    return (
        RectificationFlow.task_class.objects.user_queue(user, flow_class=RectificationFlow)
        .filter(status__in=[STATUS.NEW, STATUS.ASSIGNED])
        .select_related("process__rectificationprocess__order__school",
                        "process__rectificationprocess__order__deadline")
        .order_by("id")
    )


def tasks_for(user) -> list[TaskItem]:
    """The user's open tasks: viewflow's queue (routed by organisation permissions) plus extensions."""
    items = [
        TaskItem(kind=t.flow_task.name, title=str(t.flow_task.task_title), task_id=t.pk,
                 order=t.process.rectificationprocess.order)
        for t in _flow_tasks(user)
    ]
    pending = ExtensionRequest.objects.filter(
        decision=ExtensionRequest.Decision.PENDING, order__issuer__in=policy.orgs_with(user, Perm.LEAD),
    ).select_related("order__school", "order__deadline").order_by("id")
    items += [TaskItem(kind="decide_extension", title=_("审批延期申请"), order=e.order, extension_id=e.pk)
              for e in pending]
    return items
