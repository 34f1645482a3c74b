"""The answer of the action policy: allowed, or refused with a code (403 or 409) and a reason.

Its own module so the policies of orders (inspections.orders.actions), visits
(inspections.visits.actions) and clues (inspections.clues.actions) share it
without importing each other.
"""
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied


@dataclass(frozen=True)
class Decision:
    allowed: bool
    code: str = "ok"  # "ok", "forbidden" (403) or "conflict" (409)
    reason: str = ""

    def __bool__(self):
        return self.allowed


ALLOWED = Decision(True)


def enforce(decision: Decision, conflict: Callable[[str], Exception]) -> None:
    """A refusal as the exception the API and pages answer: PermissionDenied (403) or the process's conflict (409)."""
    if decision.code == "forbidden":
        raise PermissionDenied(decision.reason)
    if decision.code == "conflict":
        raise conflict(decision.reason)
