"""Domain events → notifications. Flows and services call `emit(event, target=..., actor=...)`.

Who is told what lives in notifications.rules.RULES (one row per event), tested row by row.
The event names (notifications.event_names) are the contract with the flows; add rows, don't rename.
"""
from django.conf import settings
from django.utils import translation
from guardian.shortcuts import get_users_with_perms

from organizations.roles import Perm

from .services import notify

from .event_names import *  # noqa: F401,F403  (callers write events.ORDER_ISSUED)
from .rules import RULES, school_of


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
    """Store and (after commit) push the notifications that RULES says `event` causes.

    Titles are stored in the site's first language (Chinese), whoever's request caused them.
    """
    recipients = recipients_for(event, target=target, actor=actor, **context)  # raises for an unknown event
    rule = RULES[event]
    with translation.override(settings.LANGUAGE_CODE):
        title, link = str(rule.title(target, context)), rule.link(target, context)
    return notify(kind=event, recipients=recipients, title=title, body=str(context.get("body", "")),
                  link=link, target=target, actor=actor)
