"""The home page as a workspace: what waits for me now, what I wait for, and for leaders the numbers that need them.

Everything here is read through the selectors that the list and object pages use (tasks_for, the visit
selectors, orders_visible_to), so home never shows a step the person may not take or an object they may
not open. Overdue first, then the nearest deadline, counted in working days of the official calendar.
"""
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from organizations import policy
from organizations.roles import Perm
from workflows.tasks import tasks_for

from inspections.orders import actions
from inspections.orders.models import RectificationOrder
from inspections.visits.models import Visit
from inspections.orders.models import SCHOOLS_TURN, overdue_q
from inspections.orders.selectors import orders_visible_to, with_working_days_left
from inspections.visits.selectors import my_open_visits, visits_to_review, visits_visible_to

TODO_LIMIT = 30


@dataclass(frozen=True)
class Todo:
    prompt: str
    subject: str
    url: str
    days_left: int | None = None  # working days to the deadline; negative when overdue

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def sort_key(self) -> tuple:
        return (self.days_left is None, self.days_left if self.days_left is not None else 0)


def _order_todos(user) -> list[Todo]:
    items = tasks_for(user, limit=TODO_LIMIT)
    left = dict((o.pk, d) for o, d in with_working_days_left({i.order.pk: i.order for i in items}.values()))
    todos = []
    for item in items:
        action = actions.NODE_ACTION.get(item.kind) or actions.ACTIONS["order.decide_extension"]
        days = left[item.order.pk] if item.order.is_schools_turn else None
        todos.append(Todo(str(action.prompt), f"{item.order.number} · {item.order.school.name}",
                          reverse("orders:detail", args=[item.order.pk]), days))
    return todos


def _visit_todos(user) -> list[Todo]:
    conduct = {Visit.Status.PLANNED: _("到校签到并开始检查"), Visit.Status.IN_PROGRESS: _("继续逐项检查"),
               Visit.Status.SIGNED: _("汇总并提交检查记录"), Visit.Status.RETURNED: _("按审核意见修改检查记录")}
    todos = [Todo(str(conduct[v.status]), f"{v.school.name} · {v.planned_date:%Y-%m-%d} · {v.get_kind_display()}",
                  reverse("visits:detail", args=[v.pk])) for v in my_open_visits(user)[:TODO_LIMIT]]
    todos += [Todo(_("审核检查记录"), f"{v.school.name} · {v.planned_date:%Y-%m-%d}",
                   reverse("visits:review", args=[v.pk])) for v in visits_to_review(user)[:TODO_LIMIT]]
    return todos


def todos_for(user) -> list[Todo]:
    """What waits for the user now, overdue first, then by the nearest deadline; undated steps last."""
    return sorted(_order_todos(user) + _visit_todos(user), key=lambda t: t.sort_key)[:TODO_LIMIT]


@dataclass(frozen=True)
class Waiting:
    label: str
    count: int
    url: str


def _authority_orgs(user):
    return Q(issuer__in=policy.orgs_with(user, Perm.INSPECT)) | Q(issuer__in=policy.orgs_with(user, Perm.LEAD))


def waiting_for_others(user) -> list[Waiting]:
    """What the user has handed on and waits for: schools' rectification, reviews of submitted visits,
    and for a school the bureau's re-check and closure."""
    orders = orders_visible_to(user)
    rows = []
    if policy.orgs_with(user, Perm.INSPECT).exists() or policy.orgs_with(user, Perm.LEAD).exists():
        at_school = orders.filter(_authority_orgs(user), status__in=SCHOOLS_TURN).count()
        rows.append(Waiting(_("学校整改中的通知书"), at_school, reverse("orders:list")))
        review = visits_visible_to(user).filter(members__user=user, status=Visit.Status.SUBMITTED).count()
        rows.append(Waiting(_("已提交、等待审核的检查"), review, reverse("visits:today")))
    if policy.orgs_with(user, Perm.SCHOOL_REPORT).exists() or policy.orgs_with(user, Perm.SCHOOL_SIGN).exists():
        with_bureau = orders.exclude(status__in=[*SCHOOLS_TURN, RectificationOrder.Status.CLOSED]).count()
        rows.append(Waiting(_("等待督导部门复查或销号"), with_bureau, reverse("orders:list")))
    return [r for r in rows if r.count]


def leader_numbers(user) -> list[Waiting]:
    """For leaders: overdue orders and city-listed supervision in their reach (none for others)."""
    if not policy.orgs_with(user, Perm.LEAD).exists():
        return []
    orders = orders_visible_to(user).exclude(status=RectificationOrder.Status.CLOSED)
    return [Waiting(_("逾期未整改"), orders.filter(overdue_q()).count(), reverse("orders:list")),
            Waiting(_("市级挂牌督办"), orders.filter(escalation_level__gte=2).count(), reverse("orders:list"))]
