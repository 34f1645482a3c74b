"""Who may read which audit events: admins their subtree, superusers everything."""
from datetime import datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from inspections.models import AuditEvent
from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm


def sees_all_audit(user) -> bool:
    # The platform operator (Django superuser) also sees events filed under no organisation,
    # e.g. failed logins for unknown user names.
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def audit_organizations(user) -> QuerySet[Organization]:
    """Organisations whose audit events `user` may read (admin role, whole subtree)."""
    if sees_all_audit(user):
        return Organization.objects.all()
    return policy.orgs_with(user, Perm.MANAGE)


def may_view_audit(user) -> bool:
    return sees_all_audit(user) or audit_organizations(user).exists()


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events_for(user, *, actor: str = "", action: str = "", organization=None,
                     date_from=None, date_to=None) -> QuerySet[AuditEvent]:
    """The audit events `user` may read, filtered; newest first."""
    events = AuditEvent.objects.select_related("actor", "organization", "object_type")
    if not sees_all_audit(user):
        events = events.filter(organization__in=audit_organizations(user))
    if actor:
        events = events.filter(Q(actor__username__icontains=actor) | Q(actor__first_name__icontains=actor))
    if action:
        events = events.filter(action=action)
    if organization is not None:
        events = events.filter(organization__path__startswith=organization.path)
    if date_from:
        events = events.filter(created_at__gte=_day_start(date_from))
    if date_to:
        events = events.filter(created_at__lt=_day_start(date_to) + timedelta(days=1))
    return events.order_by("-created_at", "-id")


def audit_actions(user) -> list[str]:
    return sorted(set(audit_events_for(user).order_by().values_list("action", flat=True).distinct()))
