"""Structured logs: one JSON object per line (LOG_FORMAT=json), each with the request id of its request."""
import json
import logging
from datetime import datetime, timezone

from .requestid import current_request_id

# Attributes every LogRecord has; whatever else a record carries came as `extra=` and goes into the line.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    """Stamps every record with the id of the request being answered ('' outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = current_request_id.get()
        return True


def _plain(value):
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, request_id, the record's extras, and the traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
        }
        line.update({key: _plain(value) for key, value in vars(record).items()
                     if key not in _STANDARD and not key.startswith("_")})
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)
