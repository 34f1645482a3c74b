"""The websocket endpoint through the real ASGI application (auth middleware, origin check, routing).

Runs on the in-memory layer by default and on Redis when REDIS_URL is set.
Each test is one coroutine driven by async_to_sync; the ORM work inside runs
through database_sync_to_async so that after-commit pushes land on the test's loop.
"""
import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from rest_framework.authtoken.models import Token

from config.asgi import application
from notifications.models import Notification
from notifications.services import notify

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://testserver")


def run(coroutine_function):
    async_to_sync(coroutine_function)()


async def connect(path="/ws/notifications/", headers=()):
    comm = WebsocketCommunicator(application, path, headers=[ORIGIN, *headers])
    accepted, code = await comm.connect(timeout=5)
    return comm, accepted, code


async def receive(comm, timeout=3):
    return await comm.receive_json_from(timeout=timeout)


@database_sync_to_async
def tell(user, title="整改通知书已下发"):
    with transaction.atomic():
        return notify(kind="order.issued", recipients=[user], title=title)[0].pk


def session_cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def test_anonymous_is_refused_with_4401(people):
    async def scenario():
        comm, accepted, code = await connect()
        assert not accepted and code == 4401
    run(scenario)


def test_unknown_token_is_refused(people):
    async def scenario():
        comm, accepted, code = await connect("/ws/notifications/?token=not-a-token")
        assert not accepted and code == 4401
    run(scenario)


def test_session_cookie_authenticates(people):
    cookie = session_cookie(people.school_staff)

    async def scenario():
        comm, accepted, _ = await connect(headers=[cookie])
        assert accepted
        assert await receive(comm) == {"type": "unread", "count": 0}
        await comm.disconnect()
    run(scenario)


@pytest.mark.parametrize("where", ["query", "header"])
def test_token_authenticates_by_query_or_header(people, where):
    key = Token.objects.create(user=people.school_staff).key

    async def scenario():
        if where == "query":
            comm, accepted, _ = await connect(f"/ws/notifications/?token={key}")
        else:
            comm, accepted, _ = await connect(headers=[(b"authorization", f"Token {key}".encode())])
        assert accepted
        assert (await receive(comm))["type"] == "unread"
        await tell(people.school_staff)
        message = await receive(comm)
        assert message["type"] == "notification" and message["notification"]["title"] == "整改通知书已下发"
        assert await receive(comm) == {"type": "unread", "count": 1}
        await comm.disconnect()
    run(scenario)


def test_user_receives_only_their_own_notifications(people):
    mine, theirs = Token.objects.create(user=people.school_staff), Token.objects.create(user=people.outsider)

    async def scenario():
        staff, _, _ = await connect(f"/ws/notifications/?token={mine.key}")
        outsider, _, _ = await connect(f"/ws/notifications/?token={theirs.key}")
        await receive(staff), await receive(outsider)
        note_id = await tell(people.school_staff, title="只给甲一职专")
        assert (await receive(staff))["notification"]["id"] == note_id
        assert await outsider.receive_nothing(timeout=0.5)
        await staff.disconnect(), await outsider.disconnect()
    run(scenario)


def test_catch_up_delivers_exactly_the_missed_ones_in_order(people):
    key = Token.objects.create(user=people.school_staff).key
    seen = notify(kind="order.issued", recipients=[people.school_staff], title="已看过")[0].pk
    _stored_ago(seen, minutes=10)  # long before the missed ones: outside the late-commit window
    missed = [notify(kind="order.issued", recipients=[people.school_staff], title=f"错过{i}")[0].pk for i in range(3)]
    notify(kind="order.issued", recipients=[people.outsider], title="别人的")

    async def scenario():
        comm, accepted, _ = await connect(f"/ws/notifications/?token={key}&since={seen}")
        got = [(await receive(comm))["notification"]["id"] for _ in missed]
        assert got == missed
        assert await receive(comm) == {"type": "unread", "count": 4}
        assert await comm.receive_nothing(timeout=0.3)
        await comm.disconnect()
    run(scenario)


def _stored_ago(pk, *, minutes):
    from django.utils import timezone
    import datetime as dt

    Notification.objects.filter(pk=pk).update(created_at=timezone.now() - dt.timedelta(minutes=minutes))


def test_catch_up_resends_a_lower_id_that_committed_after_a_higher_one_was_seen(people):
    """Ids are taken at insert, pushes go out at commit: id N can arrive after N+1 was shown."""
    key = Token.objects.create(user=people.school_staff).key
    old = notify(kind="order.issued", recipients=[people.school_staff], title="早已看过")[0].pk
    _stored_ago(old, minutes=10)
    late = notify(kind="order.issued", recipients=[people.school_staff], title="晚提交")[0].pk
    newest_seen = notify(kind="order.issued", recipients=[people.school_staff], title="已推送")[0].pk

    async def scenario():
        comm, accepted, _ = await connect(f"/ws/notifications/?token={key}&since={newest_seen}")
        got = [(await receive(comm))["notification"]["id"]]
        assert got == [late] and old not in got   # the late one again, and nothing from long ago
        assert (await receive(comm))["type"] == "unread"
        await comm.disconnect()
    run(scenario)


def test_mark_read_updates_the_count(people):
    key = Token.objects.create(user=people.school_staff).key
    first, second = (notify(kind="order.issued", recipients=[people.school_staff], title=t)[0].pk for t in "ab")

    async def scenario():
        comm, _, _ = await connect(f"/ws/notifications/?token={key}")
        assert await receive(comm) == {"type": "unread", "count": 2}
        await comm.send_json_to({"type": "mark_read", "ids": [first]})
        assert await receive(comm) == {"type": "unread", "count": 1}
        await comm.send_json_to({"type": "mark_read"})
        assert await receive(comm) == {"type": "unread", "count": 0}
        await comm.disconnect()
    run(scenario)
    assert Notification.objects.get(pk=second).read_at is not None


def test_user_cannot_mark_another_users_notification_read(people):
    key = Token.objects.create(user=people.outsider).key
    other = notify(kind="order.issued", recipients=[people.school_staff], title="x")[0].pk

    async def scenario():
        comm, _, _ = await connect(f"/ws/notifications/?token={key}")
        await receive(comm)
        await comm.send_json_to({"type": "mark_read", "ids": [other]})
        assert await receive(comm) == {"type": "unread", "count": 0}
        await comm.send_json_to({"type": "mark_read", "ids": ["1; drop"]})
        assert (await receive(comm))["type"] == "error"
        await comm.disconnect()
    run(scenario)
    assert Notification.objects.get(pk=other).read_at is None


def test_event_in_rolled_back_transaction_is_never_pushed(people):
    key = Token.objects.create(user=people.school_staff).key

    @database_sync_to_async
    def fail_midway():
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(kind="order.issued", recipients=[people.school_staff], title="回滚")
            raise RuntimeError("the workflow step failed")

    async def scenario():
        comm, _, _ = await connect(f"/ws/notifications/?token={key}")
        await receive(comm)
        await fail_midway()
        assert await comm.receive_nothing(timeout=0.5)
        await comm.disconnect()
    run(scenario)
    assert not Notification.objects.exists()
