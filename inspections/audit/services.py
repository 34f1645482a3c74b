"""Writing the audit trail. Every service that changes state calls `audit(...)` once."""
import contextvars

from django.contrib.contenttypes.models import ContentType

from ops.requestid import current_request_id

from inspections.audit.models import AuditEvent

# Set per request by config.middleware.RequestContextMiddleware, so services need no request argument.
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_ip", default=None)


def audit(*, actor, action: str, obj=None, organization=None, order=None, visit=None,
          before: dict | None = None, after: dict | None = None) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        organization=organization, order=order, visit=visit,
        before=before, after=after, ip=current_ip.get(), request_id=current_request_id.get(),
    )
