"""Permission-filtered reads: a user only ever reads their own notifications."""
from django.contrib.auth import get_user_model
from django.db.models import Count, Max, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from . import bell
from .models import Notification, NotificationPreference

User = get_user_model()
STATES = ("all", "unread", "read")


def notifications_for(user, *, state: str = "all") -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user).order_by("-id")
    if state == "unread":
        return qs.filter(read_at__isnull=True)
    if state == "read":
        return qs.filter(read_at__isnull=False)
    return qs


def get_notification_for_user(user, pk: int) -> Notification:
    """The user's own notification; anyone else's answers 404 (no existence leak)."""
    note = Notification.objects.filter(recipient=user, pk=pk).first()
    if note is None:
        raise Http404
    return note


def bell_state(user) -> dict:
    """Unread count and newest id, for the bell rendered in the shell."""
    if not getattr(user, "is_authenticated", False):
        return {"unread": 0, "last_id": 0}
    return bell.cached(user, lambda: _bell_figures(user))


def _bell_figures(user) -> dict:
    # One round trip for both figures, each served by its own index (recipient, read_at) and (recipient, id);
    # it is on every shell page (and then cached per user: notifications.bell).
    own = Notification.objects.filter(recipient=user).order_by()
    unread = own.filter(read_at__isnull=True).values("recipient").annotate(n=Count("id")).values("n")
    last = own.values("recipient").annotate(m=Max("id")).values("m")
    row = (User.objects.filter(pk=user.pk)
           .values(unread=Coalesce(Subquery(unread), 0), last_id=Coalesce(Subquery(last), 0)).first())
    return {"unread": row["unread"], "last_id": row["last_id"]} if row else {"unread": 0, "last_id": 0}


def preference_for(user) -> NotificationPreference:
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)
