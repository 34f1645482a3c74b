"""Logging filters used by settings.LOGGING."""
import logging


class ClientErrorsOneLine(logging.Filter):
    """A refusal the app meant (4xx) is one line: drop the traceback django.request attaches to it.

    Django logs "Forbidden (Permission denied): /path" with the PermissionDenied's traceback, which tells
    nothing for a refusal the code raised on purpose; 5xx records keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.name.startswith("django.") and isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
