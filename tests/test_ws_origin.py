"""The websocket's Origin check is exact: scheme, host and port of the page must be the server's own
(from the handshake's Host and ws/wss) or listed in DUDAO_WS_ALLOWED_ORIGINS. Without Origin, only a
token authenticates: the session cookie is what a cross-site page would ride on.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from config.asgi import application
from notifications.auth import origin_normal

from .test_notifications_consumer import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parent.parent


def handshake(*headers, scheme="ws", path="/ws/notifications/") -> tuple[bool, int | None]:
    async def scenario():
        comm = WebsocketCommunicator(application, path, headers=list(headers))
        comm.scope["scheme"] = scheme  # read when the application starts, at connect
        accepted, code = await comm.connect(timeout=5)
        if accepted:
            await comm.disconnect()
        return accepted, code
    return async_to_sync(scenario)()


def h(name: str, value: str) -> tuple[bytes, bytes]:
    return name.encode(), value.encode()


@pytest.fixture
def cookie(people):
    return session_cookie(people.school_staff)


@pytest.mark.parametrize("scheme, host, origin", [
    ("ws", "testserver:8000", "http://testserver:8000"),
    ("ws", "testserver", "http://testserver"),
    ("ws", "testserver", "http://TestServer:80"),          # the same origin, spelled otherwise
    ("wss", "testserver", "https://testserver"),
    ("wss", "testserver:8443", "https://testserver:8443"),
])
def test_the_servers_own_origin_is_accepted_with_the_cookie(cookie, scheme, host, origin):
    assert handshake(cookie, h("host", host), h("origin", origin), scheme=scheme)[0]


@pytest.mark.parametrize("scheme, host, origin", [
    ("ws", "testserver:8000", "http://testserver:9000"),        # another port on our host
    ("ws", "testserver:8000", "http://testserver"),             # default port is not 8000
    ("ws", "testserver:8000", "https://testserver:8000"),       # another scheme
    ("wss", "testserver", "http://testserver"),                 # a plain-http page on a TLS socket
    ("wss", "testserver", "https://testserver:8443"),
    ("ws", "testserver:8000", "http://evil.example:8000"),      # another host
    ("ws", "testserver:8000", "http://testserver.evil.example:8000"),
    ("ws", "evil.example:8000", "http://evil.example:8000"),    # DNS rebinding: a Host we do not serve
    ("ws", "testserver", "null"),                                # sandboxed frame, file:
    ("ws", "testserver", "http://testserver/path"),
])
def test_any_other_origin_is_refused_even_with_a_valid_cookie(cookie, scheme, host, origin):
    assert handshake(cookie, h("host", host), h("origin", origin), scheme=scheme) == (False, 1000)


def test_a_token_does_not_excuse_a_wrong_origin(people):
    key = Token.objects.create(user=people.school_staff).key
    assert not handshake(h("host", "testserver"), h("origin", "http://evil.example"),
                         path=f"/ws/notifications/?token={key}")[0]


def test_without_origin_a_token_authenticates_and_the_cookie_does_not(people, cookie):
    key = Token.objects.create(user=people.school_staff).key
    assert handshake(h("host", "testserver"), path=f"/ws/notifications/?token={key}")[0]
    assert handshake(h("host", "testserver"), h("authorization", f"Token {key}"))[0]
    assert handshake(cookie, h("host", "testserver")) == (False, 4401)


def test_configured_origins_are_exact(settings, cookie):
    settings.DUDAO_WS_ALLOWED_ORIGINS = ["https://app.dudao.example.gov.cn"]
    ours = h("host", "testserver")
    assert handshake(cookie, ours, h("origin", "https://app.dudao.example.gov.cn"))[0]
    assert handshake(cookie, ours, h("origin", "https://app.dudao.example.gov.cn:443"))[0]
    assert not handshake(cookie, ours, h("origin", "https://app.dudao.example.gov.cn:8443"))[0]
    assert not handshake(cookie, ours, h("origin", "http://app.dudao.example.gov.cn"))[0]
    assert not handshake(cookie, ours, h("origin", "https://dudao.example.gov.cn"))[0]


def test_behind_a_tls_proxy_the_forwarded_scheme_counts(settings, cookie):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = [cookie, h("host", "testserver"), h("x-forwarded-proto", "https")]
    assert handshake(*proxied, h("origin", "https://testserver"))[0]
    assert not handshake(*proxied, h("origin", "http://testserver"))[0]


def test_origin_normal_form():
    assert origin_normal("HTTPS://Dudao.Example.gov.cn") == "https://dudao.example.gov.cn:443"
    assert origin_normal("http://[::1]:8000") == "http://[::1]:8000"
    for bad in ("null", "ftp://x", "http://x:99999", "http://x:abc", "http://u@x", "//x", ""):
        assert origin_normal(bad) is None, bad


def _start(**env):
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "DUDAO_DEMO", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    clean.update(DUDAO_DEMO="1", **env)
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
            "from django.conf import settings; print(settings.DUDAO_WS_ALLOWED_ORIGINS)")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("value", ["dudao.example.gov.cn", "https://dudao.example.gov.cn/", "https://*.gov.cn"])
def test_a_malformed_allowed_origin_stops_the_start(value):
    result = _start(DUDAO_WS_ALLOWED_ORIGINS=value)
    assert result.returncode != 0 and "DUDAO_WS_ALLOWED_ORIGINS" in result.stderr


def test_allowed_origins_come_from_the_environment():
    result = _start(DUDAO_WS_ALLOWED_ORIGINS="https://a.example.gov.cn, http://10.0.0.5:8080")
    assert result.returncode == 0, result.stderr
    assert "['https://a.example.gov.cn', 'http://10.0.0.5:8080']" in result.stdout
