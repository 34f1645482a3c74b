"""Writes of security state and the audit calls that other modules make.

`record_refusal` and `audit_export` are the public hooks: the refusal
middleware calls the first for every 403/404 of a routed URL, and any export
(ledger, statistics, audit viewer) calls the second once per file produced.
"""
import hmac

from django.utils import timezone

from inspections.audit import audit
from organizations import policy

from .models import UserSecurity


def home_organization(user):
    """The highest organisation where `user` holds a role: where their events are filed."""
    memberships = policy.roles_of(user)
    return memberships[0].organization if memberships else None


def is_demo_password(raw_password: str | None) -> bool:
    from organizations.demo import DEMO_PASSWORD

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
