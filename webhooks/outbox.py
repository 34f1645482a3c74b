"""The outbox of the integrators' webhooks: rows written with the event, sent after commit, retried by the scheduler.

`queue_for_event` hears notifications.events.emitted inside the change's transaction; the first try runs
after commit on the delivery thread (notifications.delivery.in_background), and `deliver_due` — called by
run_timers — retries with the robots' back-off (30 s doubling, at most 2 h, 8 attempts) through the same
`notifications.delivery.attempt`.
"""
from functools import partial

from django.db import transaction
from django.utils import timezone

from notifications import delivery as outbox
from notifications.rules import school_of

from . import audience, payload, sender
from .models import Delivery, Endpoint


def endpoints_for(event: str, target) -> list[Endpoint]:
    """The active endpoints that chose `event` and may hear of `target` (their subtree, the secrecy rules)."""
    scope = school_of(target)
    if scope is None:
        return []
    candidates = Endpoint.objects.select_related("organization").filter(
        active=True, organization_id__in=scope.ancestor_ids())
    return [e for e in candidates if event in e.events and audience.reaches(e.organization, target)]


def queue_for_event(sender, *, event: str, target, actor=None, **kwargs) -> list[int]:
    if event not in audience.CATALOGUE:
        return []
    endpoints = endpoints_for(event, target)
    body = payload.build(event, target) if endpoints else None
    if body is None:
        return []
    now = timezone.now()
    rows = Delivery.objects.bulk_create([
        Delivery(endpoint=e, event=event, payload=body, next_attempt_at=now) for e in endpoints])
    ids = [row.pk for row in rows]
    transaction.on_commit(partial(outbox.in_background, deliver, ids))
    return ids


def _try(row: Delivery, now=None) -> bool:
    return outbox.attempt(row, now, send=sender.send)


def deliver(ids: list[int]) -> int:
    """The first try of freshly committed deliveries."""
    rows = Delivery.objects.select_related("endpoint").filter(pk__in=ids, status=Delivery.Status.PENDING)
    return sum(_try(row) for row in rows)


def deliver_due(now=None, limit: int = 200) -> int:
    """Retry every pending delivery whose back-off has passed (the scheduler's sweep); how many went out."""
    now = now or timezone.now()
    due = Delivery.objects.select_related("endpoint").filter(
        status=Delivery.Status.PENDING, next_attempt_at__lte=now, endpoint__active=True,
    ).order_by("next_attempt_at", "id")[:limit]
    return sum(_try(row, now) for row in list(due))
