"""The shape of a row of the notification table (notifications.rules), and the link helper its rows share.

Apart from the table so that the rows of other apps' processes (notifications.rules_programmes) can be written
beside it without importing it.
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Message:
    """A title as stored: its msgid and parameters, rendered in each reader's language when read."""
    template: str
    params: dict
    translated: tuple[str, ...] = ()  # parameters that are msgids themselves (a clue's source)


@dataclass(frozen=True)
class Rule:
    recipients: Callable[[object, dict], Iterable]  # (target, context) -> users
    title: Callable[[object, dict], Message]        # (target, context) -> title
    link: Callable[[object, dict], str]             # (target, context) -> path
    # Earlier notifications about the same target that this event settles: the step they asked for is done.
    settles: tuple[str, ...] = ()


def page_path(name: str, pk: int, fallback: str) -> str:
    # The order and visit pages belong to other apps; until they exist the plain path is used.
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return fallback
