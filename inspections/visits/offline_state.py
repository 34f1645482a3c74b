"""What the summary and sign screens need to redraw themselves from the tablet's own state.

Offline, those screens are the copies the service worker kept when the visit was opened (often still
"planned", 0/31). The page carries the server's state of the visit and the rules of the sign and submit steps
as JSON (`json_script`); static/dudao/visit_state.js lays the outbox's waiting writes over it and decides what
to show: progress, findings, "may sign now", "may submit now". The rules are the action policy's own table
(inspections/visits/actions.py: each action's statuses, FINDING_REQUIRED_FOR), so the tablet can never offer
a signature the server would refuse for a reason the tablet could know.
"""
from inspections.checklists.models import ChecklistItem, Severity
from inspections.visits import actions
from inspections.visits.models import Visit

CHECKIN_FROM = actions.ACTIONS["visit.check_in"].statuses
SIGNABLE = actions.ACTIONS["visit.sign"].statuses
SUBMITTABLE = actions.ACTIONS["visit.submit"].statuses

# The visit's status after each outbox write is accepted: check-in (inspections.visits.services.visit_check_in), the
# signature and the submission (the flow's nodes, workflows/visit.py entered_submit / entered_review).
AFTER = {"checkin": Visit.Status.IN_PROGRESS, "sign": Visit.Status.SIGNED, "submit": Visit.Status.SUBMITTED}


def _rules() -> dict:
    return {"checkin_from": list(CHECKIN_FROM), "sign_from": list(SIGNABLE),
            "submit_from": list(SUBMITTABLE), "finding_required_for": list(actions.FINDING_REQUIRED_FOR),
            "after": dict(AFTER)}


def _whose(user, visit: Visit) -> dict:
    """Whose steps these are, whatever the state (the state may move on offline): the policy's own answer."""
    return {"may_conduct": actions.holds(user, "visit.answer", visit),
            "may_submit": actions.holds(user, "visit.submit", visit)}


def visit_offline_state(user, visit: Visit, whose: dict | None = None) -> dict:
    """The visit as the server has it now, for a page the tablet may redraw offline (one query per list)."""
    items = ChecklistItem.objects.filter(section__template_id=visit.template_id).order_by(
        "section__order", "order", "pk").values_list("pk", "code")
    return {
        "visit": visit.pk, "status": visit.status, "signed": bool(visit.signed_at),
        **(whose or _whose(user, visit)),
        "items": [[pk, code] for pk, code in items],
        "results": {str(item): result for item, result in visit.results.values_list("item_id", "result")},
        "findings": [{"uuid": str(u) if u else "", "item": item}
                     for u, item in visit.findings.values_list("client_uuid", "item_id")],
        "rules": _rules(),
        "labels": {"status": {str(k): str(v) for k, v in Visit.Status.choices},
                   "severity": {str(k): str(v) for k, v in Severity.choices}},
    }


def page_context(user, visit: Visit) -> dict:
    """For the summary and sign templates: the state as JSON, and which parts the tablet may still need to show
    offline (a visit opened while planned may be checked in, answered and signed on the tablet)."""
    open_statuses = (*CHECKIN_FROM, *SIGNABLE)
    whose = _whose(user, visit)  # asked once: the page's blocks and the tablet's state read the same answer
    return {"offline_state": visit_offline_state(user, visit, whose), **whose,
            "sign_open": not visit.signed_at and visit.status in open_statuses,
            "submit_open": visit.status in (*open_statuses, *SUBMITTABLE),
            "sign_now": visit.status in SIGNABLE, "submit_now": visit.status in SUBMITTABLE}
