"""The refusals that mean "not in this state" (HTTP 409), one per process.

They live below the services and the flows so that both can raise them: the
services when they check a state, the task-completion helper
(workflows.completion) when someone else has just done the task.
"""
from django.core.exceptions import ValidationError


class OrderConflict(Exception):
    """The order's current state does not allow the action (HTTP 409)."""


class VisitConflict(ValidationError):
    """The visit's current state does not allow the action (HTTP 409)."""


class ClueConflict(ValidationError):
    """The clue's current state does not allow the action (HTTP 409)."""
