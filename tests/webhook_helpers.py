"""A real local receiver for the integrators' webhooks (threaded http.server on a free port) and the admins."""
import hashlib
import hmac
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from organizations.roles import Role
from organizations.services import membership_grant


class Receiver:
    """Answers each POST from a script of status codes (200 when it runs out) and records what came."""

    def __init__(self):
        self.requests, self.script = [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(SimpleNamespace(path=self.path, headers=dict(self.headers), body=body))
                self.send_response(receiver.script.pop(0) if receiver.script else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/dudao/events?k=1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def verifies(secret: str, request) -> bool:
    """What an integrator does: HMAC-SHA256 over "<timestamp>." + the raw body, compared in constant time."""
    timestamp = request.headers["X-Dudao-Timestamp"]
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(request.headers["X-Dudao-Signature"], f"sha256={mac}")


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True  # the tests' receiver is on 127.0.0.1 over plain http
    settings.NOTIFICATIONS_BACKGROUND = False  # the first try runs inline after commit
    r = Receiver()
    yield r
    r.server.shutdown()


def admin_at(username: str, organization):
    user = get_user_model().objects.create_user(username=username, password="pw-for-tests-1")
    membership_grant(user=user, organization=organization, role=Role.ADMIN)
    return user


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def register(user, organization, url, events, **extra):
    return api(user).post("/api/v1/webhooks/", {"organization": organization.pk, "url": url, "events": events,
                                                **extra}, format="json")
