"""What the visit flow's own nodes do to a visit: its status, and the hand-over of findings to one order.

Called only by workflows.visit (its onCreate callbacks and Function nodes): the
flow is the one writer of a visit's status after check-in.
"""
from .idempotency import server_uuid
from .models import Visit
from .orders import order_issue

# Orders made from a visit get a UUID derived from the visit, so a replayed hand-over makes no second order.


def visit_set_status(*, visit: Visit, status: str) -> None:
    if visit.status != status:
        visit.status = status
        visit.save(update_fields=["status"])


def findings_for_order(visit: Visit):
    return list(visit.findings.filter(needs_rectification=True, order__isnull=True).order_by("found_at", "id"))


def visit_hand_over(*, visit: Visit, approved_by):
    """On approval: status approved, and ONE order with every finding needing rectification."""
    visit_set_status(visit=visit, status=Visit.Status.APPROVED)
    findings = findings_for_order(visit)
    if not findings:
        return None
    lead = visit.members.filter(is_lead=True).select_related("user").first()
    return order_issue(school=visit.school, findings=findings, issued_by=lead.user if lead else approved_by,
                       requirements=visit.summary, visit=visit,
                       client_uuid=server_uuid("visit-order", str(visit.pk)))
