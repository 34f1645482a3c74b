"""Across processes through Redis: a push made elsewhere reaches a socket held here.

Runs only when REDIS_URL is set (the PostgreSQL + Redis half of .ci/run).
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string
from rest_framework.authtoken.models import Token

from notifications.services import user_group

from .test_notifications_consumer import connect, receive

pytestmark = [
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (Redis channel layer)"),
    pytest.mark.django_db(transaction=True),
]
ROOT = Path(__file__).resolve().parent.parent

PUSHER = """
import django, sys
django.setup()
from django.contrib.auth import get_user_model
from django.db import transaction
from notifications.services import notify
with transaction.atomic():
    notify(kind="order.issued", recipients=[get_user_model().objects.get(pk=int(sys.argv[1]))], title="来自另一进程")
"""


def test_push_from_a_second_layer_instance_reaches_this_process(people):
    key = Token.objects.create(user=people.school_staff).key
    layer_config = settings.CHANNEL_LAYERS["default"]
    other = import_string(layer_config["BACKEND"])(**layer_config["CONFIG"])  # as another ASGI process holds
    assert other is not get_channel_layer()

    async def scenario():
        comm, accepted, _ = await connect(f"/ws/notifications/?token={key}")
        assert accepted
        await receive(comm)
        await other.group_send(user_group(people.school_staff.pk), {
            "type": "notification.push", "unread": 7,
            "notification": {"id": 10**9, "kind": "x", "title": "远端", "body": "", "link": "", "created_at": "",
                             "read": False}})
        assert (await receive(comm, timeout=5))["notification"]["title"] == "远端"
        assert await receive(comm) == {"type": "unread", "count": 7}
        await comm.disconnect()
    async_to_sync(scenario)()


@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="the other process needs a shared database")
def test_notification_committed_by_another_process_arrives_here(people):
    key = Token.objects.create(user=people.school_staff).key
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test",
           "DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]}

    async def scenario():
        comm, accepted, _ = await connect(f"/ws/notifications/?token={key}")
        assert accepted
        await receive(comm)
        result = subprocess.run([sys.executable, "-c", PUSHER, str(people.school_staff.pk)], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr[-2000:]
        message = await receive(comm, timeout=5)
        assert message["notification"]["title"] == "来自另一进程"
        assert await receive(comm) == {"type": "unread", "count": 1}
        await comm.disconnect()
    async_to_sync(scenario)()
