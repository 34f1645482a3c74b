"""Service exceptions → DRF's, so every API answers with the project's status codes:
400 field errors, 403 visible-but-not-yours, 409 when the state does not allow the action."""
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework import exceptions, status

from inspections.conflicts import ClueConflict, OrderConflict, VisitConflict

STATE_CONFLICTS = (OrderConflict, VisitConflict, ClueConflict)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def as_api_error(exc):
    # Conflicts first: VisitConflict and ClueConflict are also ValidationErrors.
    if isinstance(exc, STATE_CONFLICTS):
        return Conflict(detail=exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
    if isinstance(exc, ValidationError):
        return exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


class ServiceErrorsMixin:
    def handle_exception(self, exc):
        return super().handle_exception(as_api_error(exc))
