"""The request id: accepted from `X-Request-ID` (nginx sets one) or made here, echoed, logged, audited.

A contextvar, as `inspections.audit.services.current_ip`: services write audit events without a request argument.
"""
import contextvars
import re
import uuid

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
# What a proxy or client may hand us: short, and nothing that could forge a log line or a header.
_ACCEPTED = re.compile(r"[A-Za-z0-9._:@-]{8,64}")

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("current_request_id", default="")


def request_id_from(meta: dict) -> str:
    """The caller's id when it is well-formed, else a new one (a malformed id is replaced, not refused)."""
    given = meta.get(META_KEY, "")
    return given if _ACCEPTED.fullmatch(given) else uuid.uuid4().hex
