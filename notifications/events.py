"""Domain events → notifications. Flows and services call `emit(event, target=..., actor=...)`.

Who is told what lives in RULES (one row per event), tested row by row.
The event names below are the contract with the flows; add rows, don't rename.
"""
from collections.abc import Callable
from dataclasses import dataclass

from .services import notify

# Event names used by the flows.
ORDER_ISSUED = "order.issued"
ORDER_SIGNED = "order.signed"
ORDER_SIGN_REMINDER = "order.sign_reminder"          # unsigned after 2 working days
ORDER_DEADLINE_REMINDER = "order.deadline_reminder"  # 3 and 1 working days before
ORDER_OVERDUE = "order.overdue"
ORDER_REPORT_SUBMITTED = "order.report_submitted"    # staff → school leader approval
ORDER_REPORT_RETURNED = "order.report_returned"      # school leader sent it back to staff
ORDER_REPORTED = "order.reported"                    # approved report reaches the district
ORDER_RECHECK_OVERDUE = "order.recheck_overdue"      # inspector SLA
ORDER_RECHECK_FAILED = "order.recheck_failed"
ORDER_RECHECK_PASSED = "order.recheck_passed"
ORDER_CLOSED = "order.closed"
ORDER_ESCALATED = "order.escalated"
EXTENSION_REQUESTED = "extension.requested"
EXTENSION_DECIDED = "extension.decided"
VISIT_ASSIGNED = "visit.assigned"
VISIT_SUBMITTED = "visit.submitted"
VISIT_RETURNED = "visit.returned"


@dataclass(frozen=True)
class Rule:
    recipients: Callable  # (target, context) -> iterable of users
    title: Callable       # (target, context) -> str
    link: Callable = lambda target, context: ""


RULES: dict[str, Rule] = {}


def emit(event: str, *, target, actor=None, **context):
    """Store and (after commit) push the notifications that RULES says `event` causes."""
    rule = RULES.get(event)
    if rule is None:
        raise KeyError(f"no notification rule for event {event!r}")
    recipients = [u for u in rule.recipients(target, context) if actor is None or u.pk != actor.pk]
    return notify(kind=event, recipients=recipients, title=str(rule.title(target, context)),
                  body=str(context.get("body", "")), link=rule.link(target, context),
                  target=target, actor=actor)
