"""API tokens that expire and can be revoked.

DRF's Token has one key per user and a creation time; a token is valid for
API_TOKEN_TTL_SECONDS after creation. The websocket consumer and the DRF
authentication class both resolve keys through `token_user`. Revoking goes
through `security.services.credentials_revoke`, which also closes the
websockets opened with the token.
"""
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from inspections.audit.services import audit

from .services import credentials_revoke, home_organization


def token_expires_at(token: Token):
    return token.created + timedelta(seconds=settings.API_TOKEN_TTL_SECONDS)


def token_expired(token: Token) -> bool:
    return token_expires_at(token) <= timezone.now()


def token_lookup(key: str) -> Token | None:
    """The live token for `key`: None if unknown, expired, or of an inactive user."""
    if not key:
        return None
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or token_expired(token) or not token.user.is_active:
        return None
    return token


def token_user(key: str):
    """The user a live token key stands for, or None (for the websocket and other callers)."""
    token = token_lookup(key)
    return token.user if token else None


@transaction.atomic
def token_issue(*, user) -> Token:
    """The user's live token, replacing an expired one."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and not token_expired(token):
        return token
    if token is not None:
        token.delete()
    token = Token.objects.create(user=user)
    audit(actor=user, action="auth.token_issued", obj=user, organization=home_organization(user))
    return token


def token_revoke(*, user) -> int:
    """Revoke the user's token; any client holding it gets 401 from now on, and every websocket opened
    with it closes. The user's browser sessions stay: this is an API client's sign-out."""
    return credentials_revoke(user=user, reason="token_revoked", sessions=False, actor=user,
                              action="auth.token_revoked")


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF token authentication that refuses expired tokens with 401."""

    def authenticate_credentials(self, key):
        token = Token.objects.select_related("user").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效。"))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("用户已停用或已删除。"))
        if token_expired(token):
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新获取。"))
        return token.user, token
