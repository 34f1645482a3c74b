"""What the sign-off flow's nodes write: the self-inspection's status, and who is told. Only selfchecks.flow
calls these (notifications.events stores each notice with the change and pushes it after commit)."""
from notifications import events

from .models import SelfCheck


def set_status(*, selfcheck: SelfCheck, status: str) -> None:
    selfcheck.status = status
    selfcheck.save(update_fields=["status"])


def entered_sign(*, selfcheck: SelfCheck) -> None:
    set_status(selfcheck=selfcheck, status=SelfCheck.Status.SIGNING)
    events.emit(events.SELFCHECK_TO_SIGN, target=selfcheck, actor=selfcheck.submitted_by)


def mark_signed(*, selfcheck: SelfCheck) -> None:
    set_status(selfcheck=selfcheck, status=SelfCheck.Status.SIGNED)
    events.emit(events.SELFCHECK_SIGNED, target=selfcheck, actor=selfcheck.signed_by)


def mark_returned(*, selfcheck: SelfCheck) -> None:
    set_status(selfcheck=selfcheck, status=SelfCheck.Status.RETURNED)
    events.emit(events.SELFCHECK_RETURNED, target=selfcheck)
