"""The bell's figures (unread count, newest id) per user, cached until one of the user's notifications is
added, read or settled.

Every write path drops the user's entry, at once and again after commit (a page that read the old rows
before the commit cannot keep them): notify, settle and mark_read (notifications.services, which write in
bulk, past the model signals) and any single save or delete (the signals below: admin, fixtures). The
entry lives under the access generation (organizations.access_cache), so a new generation drops every
bell too; the TTL bounds what a write outside these paths (raw SQL) could leave, and an open page's bell
follows the websocket's live count anyway.
"""
from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from organizations import access_cache

TTL = 120  # seconds


def _key(user_id: int, generation: str) -> str:
    return f"bell:{generation}:{user_id}"


def cached(user, compute) -> dict:
    key = _key(user.pk, access_cache.generation_for(user))
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, TTL)
    return found


def drop(user_ids) -> None:
    ids = sorted({int(getattr(uid, "pk", uid)) for uid in user_ids if uid})
    if ids:
        generation = access_cache.generation()
        cache.delete_many([_key(uid, generation) for uid in ids])


def forget(user_ids, *, after_commit: bool = True) -> None:
    """Drop the bells of these users now and (unless the caller's own after-commit step does) after the
    surrounding transaction commits."""
    ids = {int(getattr(uid, "pk", uid)) for uid in user_ids if uid}
    drop(ids)
    if after_commit and ids:
        transaction.on_commit(partial(drop, ids))


def _changed(sender, instance, **kwargs):
    forget([instance.recipient_id])


def connect_signals() -> None:
    from .models import Notification

    post_save.connect(_changed, sender=Notification, dispatch_uid="bell-saved")
    post_delete.connect(_changed, sender=Notification, dispatch_uid="bell-deleted")
