"""My tasks: the open flow tasks routed to a person, and the extension requests they decide.

The flow's own routing (workflows.routing) decides which tasks reach whom; the
order page, the task list and the API all read them from here.
"""
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from inspections.models import ExtensionRequest, RectificationOrder
from inspections.orders.models import SCHOOLS_TURN
from organizations import policy
from organizations.roles import Perm

from .rectification import RectificationFlow
from .routing import routed_to


@dataclass(frozen=True)
class TaskItem:
    """One thing the user can do now: a flow task or an extension request to decide."""

    kind: str          # the flow node name, or "decide_extension"
    title: str
    order: RectificationOrder
    task_id: int | None = None
    extension_id: int | None = None


TASK_PAGE = 50
OPEN = (STATUS.NEW, STATUS.ASSIGNED)


def _flow_tasks(user, *, after: int | None = None, limit: int | None = None):
    """Open tasks routed to the user (workflows.routing), a page at a time.

    The page of ids is chosen before any join, so the joins cost the tasks shown,
    not every task the user could see.
    """
    Task = RectificationFlow.task_class
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Task.objects.none()
    # A step another person has claimed is theirs to finish (the action policy's rule, inspections.orders.actions._nodes_and_claims).
    ids = Task.objects.filter(routed_to(user, RectificationFlow), Q(owner__isnull=True) | Q(owner_id=user.pk),
                              flow_task_type="HUMAN", status__in=OPEN)
    if after is not None:
        ids = ids.filter(pk__gt=after)
    ids = ids.order_by("id").values("id")
    return (Task.objects.filter(pk__in=ids[:limit] if limit is not None else ids)
            .select_related("process__rectificationprocess__order__school").order_by("id"))


def _pending_extensions(user):
    # The same rule as inspections.orders.actions' "order.decide_extension": pending, and the order still the school's turn.
    return ExtensionRequest.objects.filter(
        decision=ExtensionRequest.Decision.PENDING, order__status__in=SCHOOLS_TURN,
        order__issuer__in=policy.orgs_with(user, Perm.LEAD),
    ).select_related("order__school").order_by("id")


def tasks_for(user, *, after: int | None = None, limit: int | None = None) -> list[TaskItem]:
    """The user's open tasks: flow tasks routed by organisation permissions, then extensions to decide.

    `after`/`limit` page through the flow tasks by id (keyset); the extension decisions, few by
    nature, come with the first page only.
    """
    items = [
        TaskItem(kind=t.flow_task.name, title=str(t.flow_task.task_title), task_id=t.pk,
                 order=t.process.rectificationprocess.order)
        for t in _flow_tasks(user, after=after, limit=limit)
    ]
    if after is None:
        items += [TaskItem(kind="decide_extension", title=_("审批延期申请"), order=e.order, extension_id=e.pk)
                  for e in _pending_extensions(user)]
    return items


def task_page(user, *, after: int | None = None, size: int | None = None) -> tuple[list[TaskItem], int | None]:
    """One page of the user's tasks and the `after` key of the next page (None on the last)."""
    size = size or TASK_PAGE
    items = tasks_for(user, after=after, limit=size + 1)
    flow_items = [item for item in items if item.task_id is not None]
    if len(flow_items) <= size:
        return items, None
    extra = flow_items[size]
    return [item for item in items if item is not extra], flow_items[size - 1].task_id
