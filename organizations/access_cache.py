"""Answers the shell asks on every page, computed once per request and cached per user.

viewflow's menu asks every flow app (and the audit app) whether the user may view it; each answer
was a guardian query, asked again on every page (6 per shell page, 12 on the inbox). The rules stay
where they are (the flows' has_view_permission, security.selectors, organizations.policy): this
module only remembers their answers.

Correctness: an answer is kept under a key made of a *generation*, the user's pk and the two user
flags the rules read (is_active, is_superuser). Any change of who holds what — a membership, a
group's members or permissions, a guardian grant, the organisation tree — starts a new generation,
so every cached answer of every user is dropped at once (grants change rarely; a dropped answer is
one query). The generation lives in the shared cache (Redis in production), so all web processes
see it; the change is announced both at once and after commit (a request that read the old grants
before the commit cannot keep its answer). TTL bounds what a write outside the ORM (COPY, raw SQL)
could leave behind.
"""
import itertools
import uuid

from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "access:generation"
TTL = 300  # seconds
_local = itertools.count(1)  # this process's changes: a user object that outlives one (an API test client)
_local_now = [next(_local)]


def generation() -> str:
    """The current generation (a new one is made when none is stored)."""
    found = cache.get(GENERATION_KEY)
    if found is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        found = cache.get(GENERATION_KEY) or ""
    return found


def _memo(user) -> dict:
    memo = user.__dict__.get("_dudao_access")
    if memo is None or memo["local"] != _local_now[0]:
        key = f"access:{generation()}:{user.pk}:{int(user.is_active)}{int(user.is_superuser)}"
        memo = {"local": _local_now[0], "key": key, "answers": cache.get(key) or {}, "generation": key.split(":")[1]}
        user.__dict__["_dudao_access"] = memo
    return memo


def generation_for(user) -> str:
    """The generation this request's answers for `user` are kept under (no further cache read)."""
    return _memo(user)["generation"]


def remembered(user, name: str, compute):
    """compute() for this user, at most once per request and once per generation."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "pk", None):
        return compute()
    memo = _memo(user)
    answers = memo["answers"]
    if name not in answers:
        answers[name] = compute()
        cache.set(memo["key"], answers, TTL)
    return answers[name]


def start_over() -> None:
    """A new generation: every cached answer of every user is gone (no database needed)."""
    _local_now[0] = next(_local)
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def forget_all(**_signal_kwargs) -> None:
    """Drop every cached answer now and again after the surrounding transaction commits."""
    start_over()
    transaction.on_commit(start_over)


def connect_signals() -> None:
    """Every ORM path that changes who may see or do what (organizations.apps calls this once)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from guardian.models import GroupObjectPermission, UserObjectPermission

    from .models import Membership, Organization, RoleGroup

    user_model = get_user_model()
    for model in (Membership, Organization, RoleGroup, GroupObjectPermission, UserObjectPermission, Group):
        post_save.connect(forget_all, sender=model, dispatch_uid=f"access-save-{model.__name__}")
        post_delete.connect(forget_all, sender=model, dispatch_uid=f"access-delete-{model.__name__}")
    for through in (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(forget_all, sender=through, dispatch_uid=f"access-m2m-{through.__name__}")
