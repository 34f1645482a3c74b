from django.core.exceptions import ValidationError


class ReportConflict(ValidationError):
    """The report's state does not allow the action now (HTTP 409)."""
