"""Who may read which audit events: admins their subtree, superusers everything.

An event is also a view of its object: an admin sees it only if they may see the visit, order, clue,
campaign, progress report, filing or evaluation it is about, through the same selectors as the object's own page (a school's admin must not
learn of a planned surprise visit from its planning event).
"""
from datetime import datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from inspections.campaigns.services import campaigns_visible_to
from inspections.models import AuditEvent, Campaign, Clue, Finding, RectificationOrder, Visit
from inspections.orders.selectors import orders_visible_to
from inspections.clues.selectors import clues_visible_to
from inspections.visits.selectors import campaigns_in_view, visits_visible_to
from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm
from programmes.models import Evaluation, EvaluationVersion, PlanFiling, ProgressReport, Scorecard
from programmes.selectors import filings_visible_to, reports_visible_to
from programmes.selectors_evaluations import evaluations_visible_to, scorecards_visible_to, versions_visible_to


def sees_all_audit(user) -> bool:
    # The platform operator (Django superuser) also sees events filed under no organisation,
    # e.g. failed logins for unknown user names.
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def audit_organizations(user) -> QuerySet[Organization]:
    """Organisations whose audit events `user` may read (admin role, whole subtree)."""
    if sees_all_audit(user):
        return Organization.objects.all()
    return policy.orgs_with(user, Perm.MANAGE)


def _findings_visible_to(user) -> QuerySet[Finding]:
    return Finding.objects.filter(visit__in=visits_visible_to(user).values("pk"))


def _campaigns_visible_to(user) -> QuerySet[Campaign]:
    """Campaigns the user runs, or in which they may see a visit."""
    return Campaign.objects.filter(Q(pk__in=campaigns_visible_to(user).values("pk"))
                                   | Q(pk__in=campaigns_in_view(user).values("pk")))


# The audited objects that have a visibility rule of their own, and the selector of that rule.
OBJECT_SELECTORS = (
    (Visit, visits_visible_to), (RectificationOrder, orders_visible_to), (Clue, clues_visible_to),
    (Campaign, _campaigns_visible_to), (Finding, _findings_visible_to),
    # 行动计划: progress reports, filings (plans and quality reports) and evaluations (a draft is the office's).
    (ProgressReport, reports_visible_to), (PlanFiling, filings_visible_to), (Evaluation, evaluations_visible_to),
    (EvaluationVersion, versions_visible_to), (Scorecard, scorecards_visible_to),
)


def _objects_visible_q(user) -> Q:
    """Events whose visit, order and object (if it has a rule) the user may see."""
    rule = (Q(visit__isnull=True) | Q(visit__in=visits_visible_to(user).values("pk"))) & (
        Q(order__isnull=True) | Q(order__in=orders_visible_to(user).values("pk")))
    for model, selector in OBJECT_SELECTORS:
        visible_ids = selector(user).order_by().annotate(sid=Cast("pk", CharField())).values("sid")
        rule &= ~Q(object_type=ContentType.objects.get_for_model(model)) | Q(object_id__in=visible_ids)
    return rule


def may_view_audit(user) -> bool:
    return sees_all_audit(user) or audit_organizations(user).exists()


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events_for(user, *, actor: str = "", action: str = "", organization=None,
                     date_from=None, date_to=None) -> QuerySet[AuditEvent]:
    """The audit events `user` may read, filtered; newest first."""
    events = AuditEvent.objects.select_related("actor", "organization", "object_type")
    if not sees_all_audit(user):
        events = events.filter(_objects_visible_q(user), organization__in=audit_organizations(user))
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
