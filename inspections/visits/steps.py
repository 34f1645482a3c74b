"""What the visit flow's own nodes do to a visit: its status, and the hand-over of its findings to orders.

Called only by workflows.visit (its onCreate callbacks and Function nodes): the
flow is the one writer of a visit's status after check-in.
"""
from inspections import thresholds
from inspections.idempotency.services import server_uuid
from inspections.visits.models import Visit
from inspections.orders.drafts import findings_for_order
from inspections.orders.services import order_issue

# Orders made from a visit get a UUID derived from the visit, so a replayed hand-over makes no second order.


def visit_set_status(*, visit: Visit, status: str) -> None:
    if visit.status != status:
        visit.status = status
        visit.save(update_fields=["status"])




def order_requirements(findings, fallback: str) -> str:
    """The order's 整改要求: each finding's own requirement as set when drafting; the visit summary if none was."""
    if not any(f.requirement for f in findings):
        return fallback
    if len(findings) == 1:
        return findings[0].requirement
    return "\n".join(f"{n}. {f.description[:60]}：{f.requirement or fallback}" for n, f in enumerate(findings, 1))


def visit_hand_over(*, visit: Visit, approved_by):
    """On approval: status approved, and one order per group of findings (thresholds.order_groups)."""
    visit_set_status(visit=visit, status=Visit.Status.APPROVED)
    findings = findings_for_order(visit)
    if not findings:
        return []
    lead = visit.members.filter(is_lead=True).select_related("user").first()
    issuer = lead.user if lead else approved_by
    return [order_issue(school=visit.school, findings=group, issued_by=issuer,
                        requirements=order_requirements(group, visit.summary), visit=visit,
                        client_uuid=server_uuid("visit-order", str(visit.pk) if n == 0 else f"{visit.pk}:{n}"))
            for n, group in enumerate(thresholds.order_groups(findings))]
