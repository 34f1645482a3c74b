from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .models import Notification
from .services import mark_read, unread_count, user_group

CLOSE_UNAUTHENTICATED = 4401
CATCH_UP_LIMIT = 500


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if not getattr(user, "is_authenticated", False):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        since = self._since()
        if since is not None:
            for payload in await self._missed(since):
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
        rows = Notification.objects.filter(recipient=self.user, pk__gt=since).order_by("id")[:CATCH_UP_LIMIT]
        return [n.as_payload() for n in rows]

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        if kind == "mark_read":
            ids = content.get("ids") or ([content["id"]] if "id" in content else None)
            if ids is not None and not all(isinstance(i, int) for i in ids):
                await self.send_json({"type": "error", "error": "ids must be integers"})
                return
            await database_sync_to_async(mark_read)(user=self.user, ids=ids)
            await self.send_json({"type": "unread", "count": await database_sync_to_async(unread_count)(self.user)})
        else:
            await self.send_json({"type": "error", "error": f"unknown message type {kind!r}"})

    async def notification_push(self, event):
        await self.send_json({"type": "notification", "notification": event["notification"]})
        await self.send_json({"type": "unread", "count": event["unread"]})
