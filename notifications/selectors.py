"""Permission-filtered reads: a user only ever reads their own notifications."""
from django.db.models import Max, QuerySet
from django.http import Http404

from .models import Notification, NotificationPreference

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
    own = Notification.objects.filter(recipient=user)
    return {"unread": own.filter(read_at__isnull=True).count(),
            "last_id": own.aggregate(m=Max("id"))["m"] or 0}


def preference_for(user) -> NotificationPreference:
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)
