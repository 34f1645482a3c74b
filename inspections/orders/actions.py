"""Who may act on a rectification order now, and if not, why: the one action policy.

`can(user, "order.sign", order)` answers with a `Decision`. Every surface asks
here: the flow's `.Permission()` of each node is built from this table
(workflows.rectification), the services refuse through `require()`, the order
page and the API show and accept `actions_for()`, templates use the
`{% may %}` tag, and the notification table tells `actors()` that it is their
turn. An action is possible when its state holds (the flow has its task open,
or for extensions the order waits on the school) and the person holds its
permission on the organisation that owns the step.

Who signs at a school (签收): the school leader. Signing is the school's formal
receipt of an official notice, so it is given by the person answerable for the
school; the staff draft the report once it is signed. A school that wants its
liaison to sign gives that person the school_leader role.

Who is told that it is their turn: the holders of the permission at the
organisation that owns the step (the school, the issuing district, the city).
Roles held higher up reach the step too (a city leader may approve a district's
closure) but are not called on for it.
"""
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.status import STATUS

from organizations import policy
from organizations.models import Organization
from organizations.roles import ROLE_PERMS, Perm

from workflows.models import RoutedTask

from inspections.conflicts import OrderConflict
from inspections.decision import ALLOWED, Decision, enforce
from inspections.orders.models import ExtensionRequest, RectificationOrder

OPEN_TASK = (STATUS.NEW, STATUS.ASSIGNED)




def order_school(order) -> Organization:
    return order.school


def order_issuer(order) -> Organization:
    return order.issuer


def order_city(order) -> Organization:
    return order.school.nearest(Organization.Kind.CITY)


@dataclass(frozen=True)
class Action:
    name: str
    perm: str                               # a Perm codename on the owning organisation
    owner: Callable[[object], Organization]  # order -> the organisation that owns the step
    nodes: tuple[str, ...] = ()             # flow tasks it completes (open = the state allows it)
    prompt: str = ""                         # what the page says the person should do
    awaits: str = ""                         # what everyone else is told the order waits for
    optional: bool = False                   # may be done, but nobody waits for it (not a to-do)

    @property
    def is_flow_step(self) -> bool:
        return bool(self.nodes)

    @property
    def is_todo(self) -> bool:
        """Someone waits for it: it is in the person's inbox and the page's next step."""
        return not self.optional


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("order.sign", Perm.SCHOOL_SIGN, order_school, ("sign",), gettext_lazy("请签收本通知书"),
           gettext_lazy("学校负责人签收")),
    Action("order.report", Perm.SCHOOL_REPORT, order_school, ("report",),
           gettext_lazy("请填报整改报告并上传佐证材料"), gettext_lazy("学校填报整改报告")),
    Action("order.approve_report", Perm.SCHOOL_APPROVE, order_school, ("approve_report",),
           gettext_lazy("请审核整改报告"), gettext_lazy("学校负责人审核整改报告")),
    Action("order.recheck", Perm.INSPECT, order_issuer, ("recheck",), gettext_lazy("请复查"),
           gettext_lazy("督学复查")),
    Action("order.approve_closure", Perm.LEAD, order_issuer, ("approve_closure",), gettext_lazy("请审批销号"),
           gettext_lazy("区县领导审批销号")),
    Action("order.city_approve", Perm.LEAD, order_city, ("city_approve",), gettext_lazy("请作市级销号审批"),
           gettext_lazy("市级领导审批销号")),
    Action("order.city_supervise", Perm.LEAD, order_city, ("city_supervise", "city_overdue_supervise"),
           gettext_lazy("请作出督办意见"), gettext_lazy("市级领导督办")),
    Action("order.request_extension", Perm.SCHOOL_REPORT, order_school, (), gettext_lazy("可申请延期"),
           optional=True),
    Action("order.decide_extension", Perm.LEAD, order_issuer, (), gettext_lazy("请审批延期申请")),
)}
NODE_ACTION = {node: action for action in ACTIONS.values() for node in action.nodes}


def _open_tasks(order) -> list:
    return list(RoutedTask.objects.filter(process__rectificationprocess__order=order, flow_task_type="HUMAN",
                                          status__in=OPEN_TASK).only("flow_task", "status", "owner_id"))


def open_nodes(order) -> set[str]:
    """The names of the order's open human tasks, in one query."""
    return {t.flow_task.name for t in _open_tasks(order)}


def claimed_by_others(user, tasks) -> set[str]:
    """Of these open tasks, the steps someone else has claimed (viewflow's assign): theirs alone to finish."""
    return {t.flow_task.name for t in tasks if t.status == STATUS.ASSIGNED and t.owner_id is not None
            and t.owner_id != getattr(user, "pk", None)}


def open_steps(user, order) -> tuple[set[str], set[str]]:
    """The open steps of the order and those of them claimed by someone other than `user`, in one query."""
    tasks = _open_tasks(order)
    return {t.flow_task.name for t in tasks}, claimed_by_others(user, tasks)


def _nodes_and_claims(user, order, nodes, claimed) -> tuple[set[str], set[str]]:
    # Callers that already read the open tasks pass both and cost nothing here.
    if nodes is not None and claimed is not None:
        return nodes, claimed
    read_nodes, read_claimed = open_steps(user, order)
    return (read_nodes if nodes is None else nodes), read_claimed


def _has_pending_extension(order) -> bool:
    return order.extensions.filter(decision=ExtensionRequest.Decision.PENDING).exists()


def _state_allows(action: Action, order, nodes: set[str], pending: bool | None = None) -> bool:
    if action.is_flow_step:
        return bool(nodes & set(action.nodes))
    if not order.is_schools_turn:
        return False
    pending = _has_pending_extension(order) if pending is None else pending
    return pending if action.name == "order.decide_extension" else not pending


SUBJECT = RectificationOrder  # what inspections.actions.actions_for hands to this table


def can(user, name: str, order, *, nodes: set[str] | None = None, claimed: set[str] | None = None) -> Decision:
    """May `user` do action `name` on `order` now? The refusal says why (403 before 409)."""
    action = ACTIONS[name]
    if not policy.can(user, action.perm, action.owner(order)):
        return Decision(False, "forbidden", _("您无权办理此环节。"))
    nodes, claimed = _nodes_and_claims(user, order, nodes, claimed)
    if not _state_allows(action, order, nodes):
        return Decision(False, "conflict", _("整改通知书当前状态不允许此操作。"))
    if action.is_flow_step and set(action.nodes) & claimed:
        return Decision(False, "forbidden", _("该步骤已由他人认领，由认领人办理。"))
    return ALLOWED


def require(user, name: str, order, *, nodes: set[str] | None = None, claimed: set[str] | None = None) -> None:
    """`can`, raising PermissionDenied (403) or OrderConflict (409) for a refusal."""
    enforce(can(user, name, order, nodes=nodes, claimed=claimed), OrderConflict)


def actions_for(user, order, *, nodes: set[str] | None = None, claimed: set[str] | None = None) -> list[str]:
    """The actions `user` may take on `order` now, in the table's order (page buttons, API, tests).

    The same answers as `can` for each action, asking the permission only where the state allows
    the action (a handful of queries for a page, whatever the table's length).
    """
    nodes, claimed = _nodes_and_claims(user, order, nodes, claimed)
    pending = _has_pending_extension(order)
    granted: dict[tuple, bool] = {}
    allowed = []
    for action in (a for a in ACTIONS.values() if _state_allows(a, order, nodes, pending)):
        if action.is_flow_step and set(action.nodes) & claimed:
            continue
        owner = action.owner(order)
        key = (action.perm, owner.pk)
        if key not in granted:
            granted[key] = policy.can(user, action.perm, owner)
        if granted[key]:
            allowed.append(action.name)
    return allowed


def waiting_for(order, *, nodes: set[str] | None = None) -> list[Action]:
    """The flow steps the order waits on now, whoever holds them (the page says whose turn it is)."""
    nodes = open_nodes(order) if nodes is None else nodes
    return [a for a in ACTIONS.values() if a.is_flow_step and nodes & set(a.nodes)]


def roles_holding(perm: str) -> list[str]:
    return [role for role, perms in ROLE_PERMS.items() if perm in perms]


def actors(name: str, order) -> list:
    """Who is called on to act: the holders of the permission at the owning organisation,
    or, where it has nobody holding it, at the nearest organisation above that does."""
    action = ACTIONS[name]
    roles = roles_holding(action.perm)
    org = action.owner(order)
    while org is not None:
        found = policy.users_by_role_at(roles, org)
        people = sorted({u.pk: u for users in found.values() for u in users}.values(), key=lambda u: u.pk)
        if people:
            return people
        org = org.parent
    return []
