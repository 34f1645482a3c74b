"""What the rectification flow's own nodes do to an order: status, escalation, closure, timers.

Called only by workflows.rectification (its onCreate callbacks, Function nodes
and timer handlers), never by a person's action: the flow is the one writer of
an order's status. Timer handlers are idempotent, so a re-armed or re-created
boundary never tells anyone twice.
"""
from django.utils import timezone

from notifications import events
from rollups import services as rollups
from workflows.calendar import working_days_between

from inspections import thresholds
from inspections.audit.services import audit
from inspections.orders.models import RectificationOrder


def order_set_status(*, order: RectificationOrder, status: str) -> None:
    if order.status != status:
        before, order.status = order.status, status
        order.save(update_fields=["status"])
        rollups.order_moved(order=order, before=before)  # the dashboards' counts, in this transaction


def city_review_opened(*, order: RectificationOrder) -> None:
    """A major order the district approved now waits for the city leader: tell them it is their turn."""
    events.emit(events.ORDER_CITY_REVIEW, target=order)


def order_escalate(*, order: RectificationOrder, level: int, reason: str) -> None:
    """Raise the order to district (1) or city (2) supervision; tells the city at level 2."""
    if level <= order.escalation_level:
        return
    before = {"escalation_level": order.escalation_level}
    order.escalation_level = level
    order.save(update_fields=["escalation_level"])
    audit(actor=None, action="order.escalated", obj=order, organization=order.school, order=order,
          before=before, after={"escalation_level": level, "reason": reason})
    if level >= thresholds.CITY_LEVEL:
        events.emit(events.ORDER_ESCALATED, target=order, reason=reason)


def order_close(*, order: RectificationOrder) -> None:
    before = order.status
    order.status, order.closed_at = RectificationOrder.Status.CLOSED, timezone.now()
    order.save(update_fields=["status", "closed_at"])
    rollups.order_moved(order=order, before=before)
    order.deadline.is_open = False
    order.deadline.save(update_fields=["is_open", "updated_at"])


def _remember(process, key: str) -> bool:
    """True the first time `key` is seen for this process; timers use it to tell nobody twice."""
    done = process.data.setdefault("timers_fired", [])
    if key in done:
        return False
    done.append(key)
    process.save(update_fields=["data"])
    return True


def timer_unsigned(*, process) -> None:
    order = process.order
    if order.signed_at is None and _remember(process, "unsigned"):
        audit(actor=None, action="order.sign_reminder", obj=order, organization=order.school, order=order)
        events.emit(events.ORDER_SIGN_REMINDER, target=order)


def timer_deadline_near(*, process) -> None:
    order = process.order
    now = timezone.now()
    if now >= order.deadline.due_at or not order.is_schools_turn:
        return
    left = working_days_between(now, order.deadline.due_at)
    given = working_days_between(order.issued_at, order.deadline.due_at)
    if not thresholds.deadline_reminder_due(working_days_given=given, working_days_left=left):
        return
    if _remember(process, f"near:{order.deadline.due_at.isoformat()}:{left}"):
        audit(actor=None, action="order.deadline_reminder", obj=order, organization=order.school, order=order,
              after={"working_days_left": left})
        events.emit(events.ORDER_DEADLINE_REMINDER, target=order, working_days_left=left)


def timer_overdue(*, process) -> None:
    """At the deadline: overdue, the school leader and district told; the second time, the city.

    Counted once per deadline (a moved deadline or a new round can be missed again).
    """
    order = RectificationOrder.objects.select_for_update().select_related("deadline").get(pk=process.order_id)
    if not order.is_overdue or not _remember(process, f"overdue:{order.deadline_id}:{order.deadline.due_at}"):
        return
    order.overdue_count += 1
    order.save(update_fields=["overdue_count"])
    audit(actor=None, action="order.overdue", obj=order, organization=order.school, order=order,
          after={"overdue_count": order.overdue_count})
    events.emit(events.ORDER_OVERDUE, target=order, overdue_count=order.overdue_count)
    order_escalate(order=order, level=thresholds.overdue_escalation_level(order.overdue_count), reason="overdue")


def timer_recheck_late(*, process) -> None:
    order = process.order
    if _remember(process, f"recheck_late:{order.round}"):
        audit(actor=None, action="order.recheck_overdue", obj=order, organization=order.school, order=order)
        events.emit(events.ORDER_RECHECK_OVERDUE, target=order)
