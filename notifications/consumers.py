import datetime as dt
import logging
import time
from urllib.parse import parse_qs

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.db.models import Q
from django.utils import translation

from ops.metrics import WEBSOCKETS, record_push

from .auth import CREDENTIAL, credential_expired, credential_user
from .models import Notification, localized
from .services import mark_read, unread_count, user_group

log = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CREDENTIALS_REVOKED = "credentials.revoked"  # the group message that closes every socket of a user
# The second guard behind that message (pub/sub delivers at most once): a socket re-reads its credential
# before sending, at most this often. Per push it would cost a query per socket in a 1,000-socket burst.
REVALIDATE_SECONDS = 15
CATCH_UP_LIMIT = 500
# Ids are taken at INSERT and pushed at COMMIT, so a transaction that commits late can land an id
# below one the client has already seen (the crash-safety harness caught it). Catch-up therefore
# also re-sends what was stored in this window before the client's newest; clients drop repeats by id.
CATCH_UP_OVERLAP = dt.timedelta(minutes=2)  # longer than any transaction that stores notifications


def requested_ids(content: dict):
    """`{"ids": [...]}` or `{"id": n}` marks those; a bare mark_read marks everything read."""
    if "ids" in content:
        return content["ids"]
    if "id" in content:
        return [content["id"]]
    return None


def on_credentials_revoked(sender, *, user_id: int, tokens_only: bool = False, **kwargs) -> None:
    sockets_close(user_id=user_id, tokens_only=tokens_only)


def sockets_close(*, user_id: int, tokens_only: bool = False) -> None:
    """Close the user's open websockets in every process (after commit, from credentials_revoke): all of
    them, or with `tokens_only` those opened with an API token (a token revocation leaves sessions alive)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        message = {"type": CREDENTIALS_REVOKED, "tokens_only": tokens_only}
        async_to_sync(layer.group_send)(user_group(user_id), message)
    except Exception:  # the sockets' own re-check closes them within REVALIDATE_SECONDS
        log.exception("closing the websockets of user %s failed", user_id)


def socket_language(scope) -> str:
    """The language the socket's page is in: the language cookie (as for pages), else the site's first."""
    wanted = (scope.get("cookies") or {}).get(settings.LANGUAGE_COOKIE_NAME, "")
    return wanted if wanted in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if not getattr(user, "is_authenticated", False):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user, self.credential, self.void = user, self.scope.get(CREDENTIAL), False
        self.language = socket_language(self.scope)
        self.caught_up: set[int] = set()  # ids already sent by the catch-up, so a racing push is not doubled
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        # Checked again once in the group: a revocation committed between the middleware's check and
        # group_add sent its close message to nobody, but is seen here.
        self.checked_at = -REVALIDATE_SECONDS
        if not await self._credential_holds():
            return
        await self.accept()
        self.counted = True  # in /metrics' open websockets until disconnect
        WEBSOCKETS.inc()
        since = self._since()
        if since is not None:
            for payload in await self._missed(since):
                self.caught_up.add(payload["id"])
                await self.send_json({"type": "notification", "notification": payload})
        await self.send_json({"type": "unread", "count": await database_sync_to_async(unread_count)(user)})

    def _since(self) -> int | None:
        raw = parse_qs(self.scope.get("query_string", b"").decode()).get("since", [None])[0]
        try:
            return int(raw) if raw is not None else None
        except ValueError:
            return None

    @database_sync_to_async
    def _missed(self, since: int) -> list[dict]:
        mine = Notification.objects.filter(recipient=self.user)
        newest_seen = mine.filter(pk__lte=since).order_by("-id").values_list("created_at", flat=True).first()
        late = Q(pk__lt=since, created_at__gte=newest_seen - CATCH_UP_OVERLAP) if newest_seen else Q(pk__in=[])
        rows = mine.filter(Q(pk__gt=since) | late).order_by("id")[:CATCH_UP_LIMIT]
        with translation.override(self.language):
            return [n.as_payload() for n in rows]

    async def disconnect(self, code):
        if getattr(self, "counted", False):
            self.counted = False
            WEBSOCKETS.dec()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _credential_holds(self) -> bool:
        """False (and the socket closed) once what authenticated it is void; a token's expiry costs nothing."""
        if self.void:
            return False
        if not credential_expired(self.credential):
            if time.monotonic() - self.checked_at < REVALIDATE_SECONDS:
                return True
            user = await database_sync_to_async(credential_user)(self.credential)
            if user is not None and user.pk == self.user.pk:
                self.checked_at = time.monotonic()
                return True
        await self._end()
        return False

    async def _end(self):
        self.void = True  # messages already queued for this consumer are dropped, not sent
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def credentials_revoked(self, event):
        if not event.get("tokens_only") or getattr(self.credential, "token", None):
            await self._end()

    async def receive_json(self, content, **kwargs):
        if not await self._credential_holds():
            return
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "mark_read":
            ids = requested_ids(content)
            if ids is not None and not (isinstance(ids, list) and all(type(i) is int for i in ids)):
                await self.send_json({"type": "error", "error": "ids must be integers"})
                return
            # The new count reaches this socket and the user's other tabs through the group.
            await database_sync_to_async(mark_read)(user=self.user, ids=ids)
        else:
            await self.send_json({"type": "error", "error": f"unknown message type {kind!r}"})

    async def notification_push(self, event):
        if event["notification"]["id"] in self.caught_up or not await self._credential_holds():
            return
        with translation.override(self.language):  # rendered in this reader's language, not the actor's
            payload = localized(event["notification"])
        await self.send_json({"type": "notification", "notification": payload})
        await self.send_json({"type": "unread", "count": event["unread"]})
        record_push(event["notification"].get("created_at"))

    async def unread_update(self, event):
        if await self._credential_holds():
            await self.send_json({"type": "unread", "count": event["count"]})
