"""Receivers: every login, failed login, logout and lockout is audited; a new password
updates the forced-change flag; a new or disabled password and a deactivation void the
user's credentials (tokens, sessions, websockets) whichever path saved them."""
from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from inspections.audit.services import audit

from .services import credentials_revoke, home_organization, password_state_update

User = get_user_model()


def _touches(update_fields, field: str) -> bool:
    return update_fields is None or field in update_fields


def _void_reason(instance, update_fields) -> str | None:
    """Why this save voids the stored account's credentials, or None. Queries only for an inactive
    account or an unusable password, so the everyday saves (last_login, profile edits) cost nothing."""
    turned_off = not instance.is_active and _touches(update_fields, "is_active")
    disabled = not instance.has_usable_password() and _touches(update_fields, "password")
    if not (turned_off or disabled):
        return None
    stored = User.objects.filter(pk=instance.pk).values("is_active", "password").first()
    if stored is None:
        return None
    if turned_off and stored["is_active"]:
        return "deactivated"
    if disabled and stored["password"] != instance.password:
        return "password_disabled"
    return None


@receiver(pre_save, sender=User, dispatch_uid="security.credentials_void_seen")
def _credentials_void_seen(sender, instance, raw=False, update_fields=None, **kwargs):
    # Compared before the save, acted on after it: post_save can no longer see the old row.
    seen = None if raw or instance.pk is None else _void_reason(instance, update_fields)
    instance._dudao_void_reason = seen


@receiver(post_save, sender=User, dispatch_uid="security.password_set")
def _password_set(sender, instance, created=False, raw=False, **kwargs):
    # AbstractBaseUser keeps the raw password in `_password` until the save completes; a hash
    # upgrade at login clears it first, so only a real new password arrives here.
    raw_password = getattr(instance, "_password", None)
    if raw or raw_password is None:
        return
    password_state_update(user=instance, raw_password=raw_password)
    if not created and getattr(instance, "_dudao_void_reason", None) is None:
        credentials_revoke(user=instance, reason="password_changed")


@receiver(post_save, sender=User, dispatch_uid="security.credentials_void")
def _credentials_void(sender, instance, raw=False, **kwargs):
    reason = getattr(instance, "_dudao_void_reason", None)
    if reason is not None and not raw:
        instance._dudao_void_reason = None  # once per save, even if the instance is saved again
        credentials_revoke(user=instance, reason=reason)


@receiver(user_logged_in, dispatch_uid="security.login")
def _logged_in(sender, request, user, **kwargs):
    audit(actor=user, action="auth.login", obj=user, organization=home_organization(user))


@receiver(user_logged_out, dispatch_uid="security.logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit(actor=user, action="auth.logout", obj=user, organization=home_organization(user))


def _named_user(username):
    if not username:
        return None
    return User.objects.filter(**{User.USERNAME_FIELD: username}).first()


@receiver(user_login_failed, dispatch_uid="security.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")[:150]
    target = _named_user(username)
    # Filed under the target account's organisation so its admins see attacks on their users.
    audit(actor=None, action="auth.login_failed", obj=target,
          organization=home_organization(target) if target else None, after={"username": username})


@receiver(user_locked_out, dispatch_uid="security.locked_out")
def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    target = _named_user(username)
    audit(actor=None, action="auth.locked_out", obj=target,
          organization=home_organization(target) if target else None,
          after={"username": (username or "")[:150]})
