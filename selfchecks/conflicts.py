from django.core.exceptions import ValidationError


class SelfCheckConflict(ValidationError):
    """The self-inspection's state does not allow the action now (HTTP 409)."""
