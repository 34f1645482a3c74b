"""What the sign-off flow's nodes write: the self-inspection's status. Only selfchecks.flow calls these."""
from .models import SelfCheck


def set_status(*, selfcheck: SelfCheck, status: str) -> None:
    selfcheck.status = status
    selfcheck.save(update_fields=["status"])


def entered_sign(*, selfcheck: SelfCheck) -> None:
    set_status(selfcheck=selfcheck, status=SelfCheck.Status.SIGNING)


def mark_signed(*, selfcheck: SelfCheck) -> None:
    set_status(selfcheck=selfcheck, status=SelfCheck.Status.SIGNED)


def mark_returned(*, selfcheck: SelfCheck) -> None:
    set_status(selfcheck=selfcheck, status=SelfCheck.Status.RETURNED)
