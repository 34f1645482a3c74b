"""Writes of security state and the audit calls that other modules make.

`record_refusal` and `audit_export` are the public hooks: the refusal
middleware calls the first for every 403/404 of a routed URL, and any export
(ledger, statistics, audit viewer) calls the second once per file produced.
`credentials_revoke` is the one home of "this user's credentials are void".
"""
import hmac
from functools import partial
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from inspections.audit.services import audit
from organizations import policy
from organizations.demo import DEMO_PASSWORD

from .events import credentials_revoked
from .models import UserSecurity


def home_organization(user):
    """The highest organisation where `user` holds a role: where their events are filed."""
    memberships = policy.roles_of(user)
    return memberships[0].organization if memberships else None


def is_demo_password(raw_password: str | None) -> bool:
    return raw_password is not None and hmac.compare_digest(raw_password.encode(), DEMO_PASSWORD.encode())


def password_state_update(*, user, raw_password: str) -> UserSecurity:
    """A new password was set: the published demo password must be changed, any other clears the flag."""
    state, _ = UserSecurity.objects.get_or_create(user=user)
    state.must_change_password = is_demo_password(raw_password)
    state.password_changed_at = timezone.now()
    state.save(update_fields=["must_change_password", "password_changed_at"])
    return state


def password_change_required(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return UserSecurity.objects.filter(user=user, must_change_password=True).exists()


def sessions_delete(*, user) -> int:
    """End every stored session of `user`; returns how many.

    Sessions are not indexed by user, so the live ones are decoded one by one: this runs on a
    password change or a deactivation, not per request. Engines that cannot be listed (cache,
    signed cookies) are left to Django's own check, which refuses an inactive user or a stale hash.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        return 0
    live = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    keys = [s.session_key for s in live.iterator() if s.get_decoded().get(SESSION_KEY) == str(user.pk)]
    for key in keys:
        store(key).delete()  # through the store, so cached_db also drops its cache entry
    return len(keys)


@transaction.atomic
def credentials_revoke(*, user, reason: str, sessions: bool = True, actor=None,
                       action: str = "auth.credentials_revoked") -> int:
    """Void what proves to be `user`: API tokens, sessions and, after commit, the open websockets they opened.

    A new password or a deactivation voids everything (security.signals). A token revocation passes
    `sessions=False` (security.tokens): it is an API client's sign-out, so the browser sessions and
    their sockets stay. Returns the number of tokens deleted.
    """
    tokens, _ = Token.objects.filter(user=user).delete()
    ended = sessions_delete(user=user) if sessions else 0
    audit(actor=actor, action=action, obj=user, organization=home_organization(user),
          after={"reason": reason, "revoked": tokens, "sessions": ended})
    # After commit: a rolled-back change voids nothing, and a socket closed earlier could reconnect
    # with credentials that are still valid until the commit.
    transaction.on_commit(partial(credentials_revoked.send, sender=None, user_id=user.pk, tokens_only=not sessions))
    return tokens


def record_refusal(*, user, status: int, path: str, method: str = "GET", reason: str = "",
                   organization=None, obj=None):
    """Audit one refused access (403, or 404 for an object the user may not see)."""
    actor = user if getattr(user, "is_authenticated", False) else None
    return audit(
        actor=actor, action="access.refused", obj=obj,
        organization=organization or (home_organization(actor) if actor else None),
        after={"status": status, "method": method, "path": path[:500], "reason": reason[:200]},
    )


def audit_export(*, user, what: str, filters: dict | None = None, rows: int | None = None,
                 organization=None):
    """Audit one data export: who took which data set, with which filters, how many rows."""
    return audit(
        actor=user, action="data.export",
        organization=organization or home_organization(user),
        after={"what": what, "filters": _jsonable(filters or {}), "rows": rows},
    )


def _jsonable(filters: dict) -> dict:
    # Filters come from forms: dates, model instances; keep a readable string of each.
    return {key: value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
            for key, value in filters.items()}
