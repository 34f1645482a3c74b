"""What the clue flow's own nodes and timers do to a clue: its status, its time limits, overdue notices.

Called by workflows.clue (onCreate callbacks, Function nodes, timer delays);
the flow is the one writer of a clue's status.
"""
import datetime as dt

from django.utils import timezone

from notifications import events
from organizations.models import Organization
from workflows.calendar import due_after

from inspections.audit.services import audit
from inspections.clues.models import Clue, ClueSettings

STAGE_DAYS = {"triage": "triage_days", "verify": "verify_days", "reply": "reply_days"}


def limits_for(district: Organization) -> dict:
    """Working-day limits of the city above `district` (defaults when the city has set none)."""
    city = district.nearest("city")
    row = ClueSettings.objects.filter(city=city).first() if city else None
    return {key: getattr(row, key) if row else default for key, default in ClueSettings.DEFAULTS.items()}


def stage_due_at(clue: Clue, stage: str, start=None) -> dt.datetime:
    """When `stage` (triage / verify / reply) is due: n working days after its start, 23:59:59 Shanghai."""
    days = limits_for(clue.district)[STAGE_DAYS[stage]]
    starts = {"triage": clue.received_at, "verify": clue.triaged_at, "reply": clue.verified_at or clue.triaged_at}
    return due_after(start or starts[stage] or timezone.now(), days).due_at


def clue_set_status(*, clue: Clue, status: str) -> None:
    """Written only by the flow's nodes as they are entered."""
    clue.status = status
    fields = ["status"]
    if status == Clue.Status.CLOSED:
        clue.closed_at = timezone.now()
        fields.append("closed_at")
    clue.save(update_fields=fields)


def timer_overdue(*, clue: Clue, stage: str) -> None:
    """A time limit passed while the step is still open: tell the district's leaders."""
    audit(actor=None, action="clue.overdue", obj=clue, organization=clue.district, after={"stage": stage})
    events.emit(events.CLUE_OVERDUE, target=clue, stage=stage)
