"""Websocket admission: an exact Origin check, then the session cookie or an API token
(`?token=` or an `Authorization: Token ...` header) for clients that have no cookie.

Cross-site WebSocket hijacking rides on the cookie: a page elsewhere opens a socket to Dudao
and the browser adds the user's session. So the Origin must be exactly this server's own
(scheme, host and port) or one listed in DUDAO_WS_ALLOWED_ORIGINS. A handshake without Origin
comes from no browser (apps, scripts): it may authenticate with a token, never with the cookie.
"""
import time
from dataclasses import dataclass
from importlib import import_module
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
from django.http.request import split_domain_port, validate_host

from security.tokens import token_expires_at, token_lookup, token_user

DEFAULT_PORTS = {"http": 80, "https": 443}
CREDENTIAL = "dudao_credential"  # the scope key under which the consumer finds what authenticated it


@dataclass(frozen=True)
class Credential:
    """What authenticated a socket, so the consumer can ask again later whether it still holds."""
    token: str | None = None
    session_key: str | None = None
    expires_at: float | None = None  # a token's end of life (epoch seconds): checked on every push for free


# ------------------------------------------------------------------ origin


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


def origin_normal(raw: str) -> str | None:
    """`scheme://host:port` with the default port written out, or None for anything but an http(s) origin."""
    parts = urlsplit(raw.strip().lower())
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.username is not None:
        return None
    if parts.path or parts.query or parts.fragment:
        return None
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:  # a port that is not a number or out of range
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}:{port}"


def _secure(scope) -> bool:
    """Whether the browser reached us over TLS: Django's own rule (SECURE_PROXY_SSL_HEADER behind a proxy)."""
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        name, secure_value = proxy
        forwarded = _header(scope, name.removeprefix("HTTP_").replace("_", "-").lower().encode())
        if forwarded is not None:
            return forwarded.split(",", 1)[0].strip() == secure_value
    return scope.get("scheme") == "wss"


def _allowed_hosts() -> list[str]:
    # As Django's HttpRequest.get_host: with DEBUG and no ALLOWED_HOSTS, the local names.
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return settings.ALLOWED_HOSTS


def _own_origin(scope, host: str) -> str | None:
    """The origin of a page this server served under `host` (the handshake's Host), if it is a host we serve."""
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, _allowed_hosts()):
        return None
    return origin_normal(f"{'https' if _secure(scope) else 'http'}://{host}")


def _hostless_match(scope, origin: str) -> bool:
    """A scope without Host comes from in-process callers (tests); real servers refuse such a handshake
    (RFC 6455 requires Host). Then the origin must be an allowed host on the default port of our scheme."""
    scheme = "https" if _secure(scope) else "http"
    parts = urlsplit(origin)
    return (parts.scheme == scheme and parts.port == DEFAULT_PORTS[scheme]
            and validate_host(parts.hostname, _allowed_hosts()))


def origin_allowed(scope, raw_origin: str) -> bool:
    origin = origin_normal(raw_origin)
    if origin is None:  # "null" (sandboxed frames, file:) or garbage
        return False
    if origin in {origin_normal(o) for o in settings.DUDAO_WS_ALLOWED_ORIGINS}:
        return True
    host = _header(scope, b"host")
    if host is None:
        return _hostless_match(scope, origin)
    return origin == _own_origin(scope, host)


class OriginCheckMiddleware:
    """Refuses a handshake whose Origin is not exactly ours; without Origin, drops the cookie."""
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        origin = _header(scope, b"origin")
        if origin is None:
            headers = [(name, value) for name, value in scope.get("headers", []) if name != b"cookie"]
            scope = dict(scope, headers=headers)
        elif not origin_allowed(scope, origin):
            return await WebsocketDenier()(scope, receive, send)
        return await self.inner(scope, receive, send)


# ------------------------------------------------------------------ credentials


@database_sync_to_async
def _token_scope(key: str) -> tuple:
    # The same rule as the REST API: expired or revoked tokens authenticate nobody.
    token = token_lookup(key)
    if token is None:
        return AnonymousUser(), None
    return token.user, Credential(token=key, expires_at=token_expires_at(token).timestamp())


def _token_from(scope) -> str | None:
    query = parse_qs(scope.get("query_string", b"").decode())
    if query.get("token"):
        return query["token"][0]
    value = _header(scope, b"authorization")
    if value is not None and value.lower().startswith("token "):
        return value[6:].strip()
    return None


def credential_user(credential: Credential | None):
    """The user `credential` stands for now, or None once it is void (revoked, expired, session ended,
    password changed, account deactivated). Synchronous: it reads the database."""

    if credential is None:
        return None
    if credential.token:
        return token_user(credential.token)
    if credential.session_key:
        store = import_module(settings.SESSION_ENGINE).SessionStore(credential.session_key)
        user = get_user(SimpleNamespace(session=store))  # Django's own checks: backend, active, session hash
        return user if user.is_authenticated else None
    return None


def credential_expired(credential: Credential | None) -> bool:
    return credential is None or (credential.expires_at is not None and credential.expires_at <= time.time())


class _TokenAuthMiddleware:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        key = _token_from(scope)
        if getattr(scope.get("user"), "is_authenticated", False):
            scope = dict(scope, **{CREDENTIAL: Credential(session_key=scope["session"].session_key)})
        elif key:
            user, credential = await _token_scope(key)
            scope = dict(scope, user=user, **{CREDENTIAL: credential})
        return await self.inner(scope, receive, send)


def TokenOrSessionAuthMiddleware(inner):
    return AuthMiddlewareStack(_TokenAuthMiddleware(inner))
