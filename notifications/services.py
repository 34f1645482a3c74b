"""The one way an event reaches people.

`notify` stores the rows (and webhook outbox rows) in the caller's transaction
and pushes them over the channel layer only after commit, so a rolled-back
change tells nobody. E-mail and group robots follow on a background thread.
"""
import asyncio
import logging
from collections import defaultdict
from functools import partial
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, DateTimeField, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import bell, delivery
from .models import Notification

log = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notify(*, kind: str, recipients: Iterable, title: str, body: str = "", link: str = "",
           target=None, actor=None, robots: bool = True, template: str = "", body_template: str = "",
           params: dict | None = None) -> list[Notification]:
    """Store one notification per recipient; push, mail and post to robots after commit.

    `title`/`body` are the Chinese text (mail, robots, the fallback); `template`/`body_template` with `params`
    are what each reader's screen renders in their own language (models.render).
    `robots=False` keeps personal messages (the digest) out of organisation group chats.
    """
    unique = {u.pk: u for u in recipients if u is not None and u.is_active}
    target_type = ContentType.objects.get_for_model(target) if target is not None else None
    rows = Notification.objects.bulk_create([
        Notification(
            recipient=user, kind=kind, title=title, body=body, link=link, actor=actor,
            template=template, body_template=body_template, params=params or {},
            target_type=target_type, target_id=str(target.pk) if target is not None else "",
            email=Notification.Email.PENDING if user.email else Notification.Email.NONE,
        )
        for user in unique.values()
    ])
    if not rows:
        return rows
    ids = [n.pk for n in rows]
    bell.forget(unique, after_commit=False)  # bulk_create passes the model signals; after_commit drops again
    hook_ids = (delivery.queue_webhooks(recipients=list(unique.values()), title=title, body=body, link=link)
                if robots else [])
    mail_ids = [n.pk for n in rows if n.email == Notification.Email.PENDING]  # no address, no mail job
    transaction.on_commit(partial(after_commit, ids, hook_ids, mail_ids, rows))
    return rows


def settle(*, target, kinds: Iterable[str]) -> int:
    """Mark done (and read) the notifications of `kinds` about `target` that are not done yet.

    Called by `events.emit` with what the event's rule settles: "请签收" leaves the school's bell once the
    order is signed. The rows stay in each person's list, marked done; every affected bell hears its count.
    """
    kinds = list(kinds)
    if not kinds or target is None:
        return 0
    open_rows = Notification.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk),
        kind__in=kinds, done_at__isnull=True)
    found = list(open_rows.values_list("pk", "recipient_id", "read_at"))
    if not found:
        return 0
    now = timezone.now()
    Notification.objects.filter(pk__in=[pk for pk, _, _ in found]).update(
        done_at=now, read_at=Coalesce("read_at", Value(now, output_field=DateTimeField())))
    bell.forget({uid for _, uid, _ in found})
    for user_id in {uid for _, uid, read in found if read is None}:
        transaction.on_commit(partial(push_unread, user_id))
    return len(found)


def after_commit(ids: list[int], hook_ids: list[int], mail_ids: list[int] = (), rows=None) -> None:
    """Push to open websockets now; e-mail and robots go on a background thread."""
    if rows is not None:  # a page that read the bells before the commit may have cached them
        bell.drop({n.recipient_id for n in rows})
    push(ids, rows)
    if mail_ids:
        delivery.in_background(delivery.send_emails, list(mail_ids))
    if hook_ids:
        delivery.in_background(delivery.deliver_webhooks, hook_ids)


# Concurrent group_sends per push: channels_redis pools are unbounded, so this caps the connections.
PUSH_CONCURRENCY = 32


def unread_counts(user_ids: Iterable[int]) -> dict[int, int]:
    """Unread notifications per user, for many users in one aggregate query (absent users have 0)."""
    rows = (Notification.objects.filter(recipient_id__in=list(user_ids), read_at__isnull=True)
            .values("recipient_id").annotate(n=Count("id")).order_by())
    return {row["recipient_id"]: row["n"] for row in rows}


def push(ids: list[int], rows=None) -> None:
    """Send stored notifications to each recipient's group; a down layer loses nothing (catch-up on reconnect).

    `rows`: the committed Notification objects of `ids` when the caller still holds them (saves reading them back).
    """
    layer = get_channel_layer()
    if layer is None:
        return
    notes = (sorted(rows, key=lambda n: n.pk) if rows is not None
             else list(Notification.objects.filter(pk__in=ids).order_by("id")))
    if not notes:
        return
    counts = unread_counts({n.recipient_id for n in notes})
    per_user = defaultdict(list)  # one user's notifications keep their id order
    for note in notes:
        per_user[note.recipient_id].append((note.pk, {
            "type": "notification.push", "notification": note.as_payload(),
            "unread": counts.get(note.recipient_id, 0),
        }))
    try:
        # One event loop (and one Redis pool) for the whole burst instead of one per recipient.
        async_to_sync(send_to_groups)(layer, per_user)
    except Exception:  # the stored rows are delivered on the next connect
        log.exception("push of notifications %s failed", ids)


async def send_to_groups(layer, per_user: dict[int, list[tuple[int, dict]]]) -> None:
    """group_send every user's messages, users concurrently (bounded), each user's in order."""
    gate = asyncio.Semaphore(PUSH_CONCURRENCY)

    async def send_user(user_id: int, messages: list[tuple[int, dict]]) -> None:
        async with gate:
            for pk, message in messages:
                try:
                    await layer.group_send(user_group(user_id), message)
                except Exception:  # one failed send must not stop the others
                    log.exception("push of notification %s failed", pk)

    await asyncio.gather(*(send_user(uid, msgs) for uid, msgs in per_user.items()))


def mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all when `ids` is None); every open tab hears the new count."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    changed = qs.update(read_at=timezone.now())
    bell.forget([user.pk])
    transaction.on_commit(partial(push_unread, user.pk))
    return changed


def push_unread(user_id: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        count = Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()
        async_to_sync(layer.group_send)(user_group(user_id), {"type": "unread.update", "count": count})
    except Exception:  # the next connect or page load shows the right count
        log.exception("push of unread count for user %s failed", user_id)


def preference_set(*, user, email_enabled: bool, digest_enabled: bool):
    """Store the user's delivery choices (e-mail for each notification, the daily digest)."""
    from .models import NotificationPreference

    pref, _ = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email_enabled": email_enabled, "digest_enabled": digest_enabled})
    return pref
