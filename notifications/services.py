"""The one way an event reaches people.

`notify` stores the rows in the caller's transaction and pushes them over the
channel layer only after commit, so a rolled-back change tells nobody.
"""
import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from .models import Notification

log = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notify(*, kind: str, recipients: Iterable, title: str, body: str = "", link: str = "",
           target=None, actor=None) -> list[Notification]:
    unique = {u.pk: u for u in recipients if u is not None and u.is_active}
    target_type = ContentType.objects.get_for_model(target) if target is not None else None
    rows = Notification.objects.bulk_create([
        Notification(
            recipient=user, kind=kind, title=title, body=body, link=link, actor=actor,
            target_type=target_type, target_id=str(target.pk) if target is not None else "",
        )
        for user in unique.values()
    ])
    ids = [n.pk for n in rows]
    transaction.on_commit(lambda: push(ids))
    return rows


def push(ids: list[int]) -> None:
    """Send stored notifications to each recipient's group; a down layer loses nothing (catch-up on reconnect)."""
    layer = get_channel_layer()
    if layer is None:
        return
    for note in Notification.objects.filter(pk__in=ids).order_by("id"):
        try:
            async_to_sync(layer.group_send)(user_group(note.recipient_id), {
                "type": "notification.push", "notification": note.as_payload(),
                "unread": unread_count(note.recipient),
            })
        except Exception:  # the stored row is delivered on the next connect
            log.exception("push of notification %s failed", note.pk)


def mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
