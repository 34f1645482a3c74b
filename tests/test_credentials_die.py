"""Credentials that die: a new password (own page, admin, set_password) and a deactivation end the user's
API tokens, other sessions and open websockets; a token revocation ends the token and the websockets
opened with it. Nobody else's credentials are touched.

Websockets go through the real ASGI application (tests.test_notifications_consumer's helpers), on the
in-memory layer by default and on Redis when REDIS_URL is set.
"""
import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inspections.models import AuditEvent
from notifications import consumers

from .test_notifications_consumer import connect, receive, session_cookie, tell

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "pw-for-tests-1"
NEW_PASSWORD = "Ng7-kq2-Vx9-Lm4"


def run(coroutine_function):
    async_to_sync(coroutine_function)()


async def open_socket(*, token=None, cookie=None):
    comm, accepted, _ = await (connect(f"/ws/notifications/?token={token}") if token
                               else connect(headers=[cookie]))
    assert accepted
    assert (await receive(comm))["type"] == "unread"
    return comm


async def closed_with(comm, timeout=3):
    """The server's close code; fails if a notification slips out before the close."""
    while True:
        out = await comm.receive_output(timeout)
        if out["type"] == "websocket.close":
            return out.get("code")
        assert '"notification"' not in out.get("text", ""), out


async def still_open(comm, user):
    """The socket is open and still delivers this user's notifications."""
    assert await comm.receive_nothing(timeout=0.3)
    note_id = await tell(user, title="仍然送达")
    assert (await receive(comm))["notification"]["id"] == note_id
    await comm.disconnect()


def api_status(key) -> int:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/orders/").status_code


def logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sessions_of(user) -> int:
    return sum(1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk))


# ------------------------------------------------------------------ the paths that void credentials


def test_own_password_change_ends_token_sockets_and_other_sessions(people):
    staff, bystander = people.school_staff, people.outsider
    key, other_key = Token.objects.create(user=staff).key, Token.objects.create(user=bystander).key
    here, elsewhere = logged_in_client(staff), logged_in_client(staff)
    cookie = session_cookie(staff)

    @database_sync_to_async
    def change_password():
        return here.post("/accounts/password_change/", {
            "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    async def scenario():
        by_token, by_cookie = await open_socket(token=key), await open_socket(cookie=cookie)
        theirs = await open_socket(token=other_key)
        assert (await change_password()).status_code == 302
        assert await closed_with(by_token) == consumers.CLOSE_UNAUTHENTICATED
        assert await closed_with(by_cookie) == consumers.CLOSE_UNAUTHENTICATED
        await still_open(theirs, bystander)
    run(scenario)
    assert api_status(key) == 401 and api_status(other_key) == 200
    assert elsewhere.get("/notifications/").status_code == 302       # the other browser is signed out
    assert here.get("/notifications/").status_code == 200            # the one that changed it stays in
    assert AuditEvent.objects.filter(action="auth.credentials_revoked", after__reason="password_changed").count() == 1


def test_admin_setting_a_password_ends_the_users_token_and_socket(people):
    admin = get_user_model().objects.create_superuser("root", password=PASSWORD)
    key = Token.objects.create(user=people.school_staff).key

    @database_sync_to_async
    def admin_sets_password():
        return logged_in_client(admin).post(f"/admin/auth/user/{people.school_staff.pk}/password/", {
            "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})

    async def scenario():
        comm = await open_socket(token=key)
        assert (await admin_sets_password()).status_code == 302
        assert await closed_with(comm) == consumers.CLOSE_UNAUTHENTICATED
    run(scenario)
    assert api_status(key) == 401
    assert get_user_model().objects.get(pk=people.school_staff.pk).check_password(NEW_PASSWORD)


@pytest.mark.parametrize("change", ["set_password", "set_unusable_password"])
def test_set_password_and_save_in_code_ends_the_token_and_socket(people, change):
    staff = people.school_staff
    key = Token.objects.create(user=staff).key

    @database_sync_to_async
    def save_new_password():
        user = get_user_model().objects.get(pk=staff.pk)
        user.set_password(NEW_PASSWORD) if change == "set_password" else user.set_unusable_password()
        user.save()

    async def scenario():
        comm = await open_socket(token=key)
        await save_new_password()
        assert await closed_with(comm) == consumers.CLOSE_UNAUTHENTICATED
    run(scenario)
    assert api_status(key) == 401


def test_deactivation_ends_tokens_sessions_and_sockets_of_that_user_only(people):
    staff, bystander = people.school_staff, people.outsider
    key, other_key = Token.objects.create(user=staff).key, Token.objects.create(user=bystander).key
    browser, other_browser = logged_in_client(staff), logged_in_client(bystander)
    cookie, other_cookie = session_cookie(staff), session_cookie(bystander)

    @database_sync_to_async
    def deactivate():
        user = get_user_model().objects.get(pk=staff.pk)
        user.is_active = False
        user.save()

    async def scenario():
        by_token, by_cookie = await open_socket(token=key), await open_socket(cookie=cookie)
        theirs = await open_socket(cookie=other_cookie)
        await deactivate()
        assert await closed_with(by_token) == consumers.CLOSE_UNAUTHENTICATED
        assert await closed_with(by_cookie) == consumers.CLOSE_UNAUTHENTICATED
        await still_open(theirs, bystander)
    run(scenario)
    assert sessions_of(staff) == 0 and sessions_of(bystander) > 0
    assert browser.get("/notifications/").status_code == 302
    assert other_browser.get("/notifications/").status_code == 200
    assert not Token.objects.filter(key=key).exists() and api_status(other_key) == 200


def test_token_revocation_closes_the_sockets_opened_with_it_and_leaves_the_browser_alone(people):
    staff = people.school_staff
    key, browser = Token.objects.create(user=staff).key, logged_in_client(staff)
    cookie = session_cookie(staff)

    @database_sync_to_async
    def revoke():
        return APIClient(HTTP_AUTHORIZATION=f"Token {key}").post("/api/v1/auth/token/revoke/", {}).status_code

    async def scenario():
        phone, tablet = await open_socket(token=key), await open_socket(token=key)  # one token per user
        by_cookie = await open_socket(cookie=cookie)
        assert await revoke() == 204
        assert await closed_with(phone) == consumers.CLOSE_UNAUTHENTICATED
        assert await closed_with(tablet) == consumers.CLOSE_UNAUTHENTICATED
        await tell(staff, title="撤销之后")
        assert (await receive(by_cookie))["notification"]["title"] == "撤销之后"  # an API sign-out only
        await by_cookie.disconnect()
    run(scenario)
    assert api_status(key) == 401 and browser.get("/notifications/").status_code == 200


def test_a_session_client_revoking_its_token_gets_204_and_stays_signed_in(people):
    staff = people.school_staff
    key = Token.objects.create(user=staff).key
    browser = APIClient()
    browser.force_login(staff)
    assert browser.post("/api/v1/auth/token/revoke/", {}).status_code == 204
    assert api_status(key) == 401 and browser.get("/notifications/").status_code == 200


def test_rolled_back_deactivation_voids_nothing(people):
    key = Token.objects.create(user=people.school_staff).key

    @database_sync_to_async
    def deactivate_then_fail():
        with pytest.raises(RuntimeError), transaction.atomic():
            user = get_user_model().objects.get(pk=people.school_staff.pk)
            user.is_active = False
            user.save()
            raise RuntimeError("the admin form failed after the save")

    async def scenario():
        comm = await open_socket(token=key)
        await deactivate_then_fail()
        await still_open(comm, people.school_staff)
    run(scenario)
    assert api_status(key) == 200


def test_ordinary_saves_and_a_hash_upgrade_at_login_void_nothing(people, settings):
    staff = people.school_staff
    key = Token.objects.create(user=staff).key
    staff.first_name = "改名"
    staff.save()                                                   # a profile edit
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.ScryptPasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    old_hash = staff.password
    assert staff.check_password(PASSWORD) and staff.password != old_hash  # re-hashed and saved
    assert api_status(key) == 200
    assert not AuditEvent.objects.filter(action="auth.credentials_revoked").exists()


# ------------------------------------------------------------------ the second guard


@pytest.mark.parametrize("side_door", ["token_deleted_in_bulk", "deactivated_in_bulk"])
def test_socket_rechecks_its_credential_before_a_push(people, monkeypatch, side_door):
    """Changes that send no signal (queryset writes) or a lost close message: the push re-checks and closes."""
    monkeypatch.setattr(consumers, "REVALIDATE_SECONDS", 0)
    staff = people.school_staff
    key, cookie = Token.objects.create(user=staff).key, session_cookie(staff)

    @database_sync_to_async
    def void_silently():
        if side_door == "token_deleted_in_bulk":
            Token.objects.filter(user=staff).delete()  # no receiver: nothing tells the sockets
        else:
            get_user_model().objects.filter(pk=staff.pk).update(is_active=False)

    async def scenario():
        by_token, by_cookie = await open_socket(token=key), await open_socket(cookie=cookie)
        await void_silently()
        await tell(staff, title="不应送达")
        assert await closed_with(by_token) == consumers.CLOSE_UNAUTHENTICATED
        if side_door == "deactivated_in_bulk":
            assert await closed_with(by_cookie) == consumers.CLOSE_UNAUTHENTICATED
        else:  # the token died, the session did not
            assert (await receive(by_cookie))["notification"]["title"] == "不应送达"
            await by_cookie.disconnect()
    run(scenario)


def test_a_socket_whose_credential_died_before_it_joined_is_refused(people, monkeypatch):
    """Revoked between the middleware's check and group_add (so the close message reached nobody):
    the consumer's own check, once in the group, refuses the handshake."""
    key = Token.objects.create(user=people.school_staff).key
    layer = get_channel_layer()  # the one instance every consumer of this process uses
    original = layer.group_add

    async def revoke_while_joining(group, channel):
        await database_sync_to_async(Token.objects.filter(key=key).delete)()
        await original(group, channel)

    async def scenario():
        comm, accepted, code = await connect(f"/ws/notifications/?token={key}")
        assert not accepted and code == consumers.CLOSE_UNAUTHENTICATED

    monkeypatch.setattr(layer, "group_add", revoke_while_joining)
    run(scenario)


def test_a_token_that_expires_while_the_socket_is_open_closes_it_at_the_next_push(people, settings):
    """Expiry needs no query: the socket knows when its token ends, and checks on every push."""
    settings.API_TOKEN_TTL_SECONDS = 60
    token = Token.objects.create(user=people.school_staff)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(seconds=59))

    async def scenario():
        comm = await open_socket(token=token.key)
        await asyncio.sleep(1.2)  # past the token's end, well inside REVALIDATE_SECONDS
        await tell(people.school_staff, title="过期之后")
        assert await closed_with(comm) == consumers.CLOSE_UNAUTHENTICATED
    run(scenario)
