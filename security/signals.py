"""Receivers: every login, failed login, logout and lockout is audited; a new password
updates the forced-change flag."""
from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from inspections.audit import audit

from .services import home_organization, password_state_update

User = get_user_model()


@receiver(post_save, sender=User, dispatch_uid="security.password_set")
def _password_set(sender, instance, raw=False, **kwargs):
    # AbstractBaseUser keeps the raw password in `_password` until the save completes.
    raw_password = getattr(instance, "_password", None)
    if raw_password is not None and not raw:
        password_state_update(user=instance, raw_password=raw_password)


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
