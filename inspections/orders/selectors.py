"""Permission-filtered reads. An order the user may not see does not exist for them (404)."""
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from organizations import policy
from workflows.calendar import working_days_between, working_days_from

from inspections.orders.models import ExtensionRequest, RectificationOrder


def orders_visible_to(user) -> QuerySet[RectificationOrder]:
    """Orders of the schools the user may see: own school, or the schools below their authority.

    The schools are read first and passed as a list: PostgreSQL estimates guardian's grant
    subquery (a varchar cast of the pk) at most of the table, and then pages a school's 50
    orders by walking the newest of all 500,000 (measured: 395 ms, 14 ms with the list).
    """
    school_ids = list(policy.visible_schools(user).values_list("pk", flat=True))
    return _with_order_relations(RectificationOrder.objects.filter(school_id__in=school_ids))


def _with_order_relations(orders: QuerySet[RectificationOrder]) -> QuerySet[RectificationOrder]:
    return orders.select_related("school", "issuer", "deadline", "issued_by")


def get_order_for_user(user, pk) -> RectificationOrder:
    # One order by pk: the grant subquery costs nothing here, and a province user's list would.
    order = _with_order_relations(RectificationOrder.objects.filter(
        pk=pk, school__in=policy.visible_orgs(user))).first()
    if order is None:
        raise Http404("no such order")
    return order


def orders_of_visit(user, visit) -> QuerySet[RectificationOrder]:
    """The orders issued from a visit that the user may see (the visit page links to them)."""
    return orders_visible_to(user).filter(visit=visit).order_by("issued_at", "pk")


def get_extension_for_user(user, pk) -> ExtensionRequest:
    ext = ExtensionRequest.objects.select_related("order").filter(
        pk=pk, order__in=orders_visible_to(user)).first()
    if ext is None:
        raise Http404("no such extension request")
    return ext


def working_days_left(order) -> int:
    """Working days from today (Shanghai) to the deadline; 0 on the last day, negative when overdue."""
    return working_days_between(timezone.now(), order.deadline.due_at)


def with_working_days_left(orders) -> list[tuple]:
    """(order, working_days_left(order)) for each order, reading the calendar once for all of them."""
    orders = list(orders)
    return list(zip(orders, working_days_from(timezone.now(), [o.deadline.due_at for o in orders])))
