"""Websocket authentication: the session cookie, or an API token (`?token=` or an
`Authorization: Token ...` header) for clients that have no cookie."""
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser


@database_sync_to_async
def _user_for_token(key: str):
    # The same rule as the REST API: expired or revoked tokens authenticate nobody.
    from security.tokens import token_user

    return token_user(key) or AnonymousUser()


def _token_from(scope) -> str | None:
    query = parse_qs(scope.get("query_string", b"").decode())
    if query.get("token"):
        return query["token"][0]
    for name, value in scope.get("headers", []):
        if name == b"authorization" and value.lower().startswith(b"token "):
            return value[6:].decode().strip()
    return None


class _TokenAuthMiddleware:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        key = _token_from(scope)
        if key and not getattr(scope.get("user"), "is_authenticated", False):
            scope = dict(scope, user=await _user_for_token(key))
        return await self.inner(scope, receive, send)


def TokenOrSessionAuthMiddleware(inner):
    return AuthMiddlewareStack(_TokenAuthMiddleware(inner))
