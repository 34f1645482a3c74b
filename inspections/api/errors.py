"""Service exceptions → DRF's, so every API answers with the project's status codes:
400 field errors, 403 visible-but-not-yours, 409 when the state does not allow the action."""
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework import exceptions, status
from rest_framework.settings import api_settings

from inspections.conflicts import ClueConflict, OrderConflict, VisitConflict

STATE_CONFLICTS = (OrderConflict, VisitConflict, ClueConflict)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def field_errors(exc: ValidationError) -> dict:
    """Always an object (the schema's ApiError): a bad parameter under its own name, a message that names
    no field under `non_field_errors` (DRF's key); a bare list answered `["…"]`, which no schema declared."""
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {getattr(exc, "name", None) or api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


def as_api_error(exc):
    # Conflicts first: VisitConflict and ClueConflict are also ValidationErrors.
    if isinstance(exc, STATE_CONFLICTS):
        return Conflict(detail=exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
    if isinstance(exc, ValidationError):
        return exceptions.ValidationError(field_errors(exc))
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


class ServiceErrorsMixin:
    def handle_exception(self, exc):
        return super().handle_exception(as_api_error(exc))
