"""Domain events → notifications. Flows and services call `emit(event, target=..., actor=...)`.

Who is told what lives in notifications.rules.RULES (one row per event), tested row by row.
The event names (notifications.event_names) are the contract with the flows; add rows, don't rename.
"""
from django.conf import settings
from django.dispatch import Signal
from django.utils import translation
from guardian.shortcuts import get_users_with_perms

from organizations.roles import Perm

from .models import TRANSLATED, render
from .services import notify, settle

from .event_names import *  # noqa: F401,F403  (callers write events.ORDER_ISSUED)
from .rules import RULES, Message, school_of

# Sent by `emit` inside the caller's transaction, after the notifications are stored, with `event`, `target`
# and `actor`: channels that hang off the same event but are not people (integrators' webhooks, webhooks/)
# write their own outbox rows here, so they commit or roll back with the change.
emitted = Signal()


def recipients_for(event: str, *, target, actor=None, **context) -> list:
    """Who RULES says hears of `event`: never the actor, never anyone blind to the target's school."""
    rule = RULES.get(event)
    if rule is None:
        raise KeyError(f"no notification rule for event {event!r}")
    candidates = {}
    for user in rule.recipients(target, context):
        if user is None or user.pk in candidates or (actor is not None and user.pk == actor.pk):
            continue
        candidates[user.pk] = user
    return viewers_among(candidates, school_of(target))


def viewers_among(candidates: dict, school) -> list:
    """The candidates (pk → user, kept in order) who may VIEW `school`, found in one query.

    The same answer as policy.can(user, Perm.VIEW, school) for each of them — a guardian
    grant to the user or one of their groups, or an active superuser — asked once for the
    whole set instead of twice per recipient.
    """
    if school is None or not candidates:
        return []
    viewers = get_users_with_perms(school, with_superusers=True, with_group_users=True,
                                   only_with_perms_in=[Perm.VIEW])
    allowed = set(viewers.filter(pk__in=list(candidates), is_active=True).values_list("pk", flat=True))
    return [user for pk, user in candidates.items() if pk in allowed and user.is_active]


def emit(event: str, *, target, actor=None, **context):
    """Store and (after commit) push the notifications that RULES says `event` causes; settle what it completes.

    The title is stored as its template and parameters (each reader sees it in their language) and, for mail
    and group robots, in the site's first language (Chinese), whoever's request caused it. `context["body"]`
    is either the person's own words (kept as typed) or a `Message` (rendered like the title).
    """
    recipients = recipients_for(event, target=target, actor=actor, **context)  # raises for an unknown event
    rule = RULES[event]
    settle(target=target, kinds=rule.settles)
    message, body = rule.title(target, context), context.get("body", "")
    parts = (message, body) if isinstance(body, Message) else (message,)
    body_template = body.template if isinstance(body, Message) else ""
    params = {key: value for part in reversed(parts) for key, value in part.params.items()}
    translated = [key for part in parts for key in part.translated]
    if translated:
        params[TRANSLATED] = translated
    with translation.override(settings.LANGUAGE_CODE):
        title, text = render(message.template, params, ""), render(body_template, params, str(body))
    rows = notify(kind=event, recipients=recipients, title=title, body=text, link=rule.link(target, context),
                  target=target, actor=actor, template=message.template, body_template=body_template,
                  params=params)
    emitted.send(sender=emit, event=event, target=target, actor=actor)
    return rows
