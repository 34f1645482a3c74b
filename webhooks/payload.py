"""The body of a delivery: {event, occurred_at, object, data}, ids and states only.

No names, no free text: a complainant's identity, a clue's content and people's words (notes, reasons)
never leave in a webhook; the integrator reads what it may through the API with its own token.
"""
from django.utils import timezone

from inspections.models import Clue, RectificationOrder, Visit
from notifications.delivery import absolute
from workflows.calendar import SHANGHAI


def _local(moment) -> str | None:
    return moment.astimezone(SHANGHAI).isoformat() if moment else None


def order_data(order: RectificationOrder) -> dict:
    return {"id": order.pk, "number": order.number, "status": order.status, "school": order.school_id,
            "issuer": order.issuer_id, "visit": order.visit_id, "severity": order.severity, "round": order.round,
            "overdue_count": order.overdue_count, "escalation_level": order.escalation_level,
            "deadline": _local(order.deadline.due_at), "closed_at": _local(order.closed_at)}


def visit_data(visit: Visit) -> dict:
    return {"id": visit.pk, "kind": visit.kind, "status": visit.status, "school": visit.school_id,
            "organiser": visit.organiser_id, "campaign": visit.campaign_id,
            "planned_date": visit.planned_date.isoformat(), "checkin_at": _local(visit.checkin_at)}


def clue_data(clue: Clue) -> dict:
    return {"id": clue.pk, "status": clue.status, "source": clue.source, "external_ref": clue.external_ref,
            "district": clue.district_id, "school": clue.school_id, "decision": clue.decision}


KINDS = ((RectificationOrder, "order", order_data, "/api/v1/orders/{}/"),
         (Visit, "visit", visit_data, "/api/v1/visits/{}/"),
         (Clue, "clue", clue_data, "/api/v1/clues/{}/"))


def subject_of(target):
    """The order, visit or clue an event is about (an extension or a report counts as its order)."""
    return getattr(target, "order", None) or target


def build(event: str, target) -> dict | None:
    """The payload for `event` on `target`, or None for a target that is not an order, visit or clue."""
    subject = subject_of(target)
    for model, kind, data, path in KINDS:
        if isinstance(subject, model):
            return {"event": event, "occurred_at": _local(timezone.now()),
                    "object": {"type": kind, "id": subject.pk, "url": absolute(path.format(subject.pk))},
                    "data": data(subject)}
    return None
