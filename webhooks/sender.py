"""Sending one delivery: signed, to the address that was checked, no redirects, a 2xx answer or a retry.

Signature: `X-Dudao-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>` with the send time in
`X-Dudao-Timestamp` (Unix seconds). A receiver recomputes it over the raw body and refuses a timestamp older
than a few minutes, so a captured request cannot be replayed later; `X-Dudao-Delivery` (the same on every
retry of one delivery) lets it drop a retry it already processed.
"""
import hashlib
import hmac
import http.client
import json
import socket
import ssl
import time
from urllib.parse import urlsplit

from .models import Delivery
from .targets import check_url, resolve

HTTP_TIMEOUT = 5
ANSWER_LIMIT = 2048


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to a fixed address, whatever the host name resolves to by now."""

    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a fixed address; the certificate is still checked against the host name (SNI)."""

    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self.address = address

    def connect(self):
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


def headers_for(delivery: Delivery, body: bytes) -> dict:
    timestamp = str(int(time.time()))
    return {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Dudao-Webhooks/1",
            "X-Dudao-Event": delivery.event, "X-Dudao-Delivery": str(delivery.uuid),
            "X-Dudao-Timestamp": timestamp, "X-Dudao-Signature": signature(delivery.endpoint.secret, timestamp, body)}


def send(delivery: Delivery) -> None:
    """POST the delivery; raises on a refused target, a network error or any answer but 2xx."""
    url = delivery.endpoint.url
    host, port = check_url(url)
    address = resolve(host, port)  # again at send time: the name may point elsewhere by now
    parts = urlsplit(url)
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = kind(host, port, address, timeout=HTTP_TIMEOUT)
    body = body_of(delivery.payload)
    try:
        connection.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), body=body,
                           headers=headers_for(delivery, body))
        answer = connection.getresponse()
        text = answer.read(ANSWER_LIMIT)
    finally:
        connection.close()
    if not 200 <= answer.status < 300:  # a redirect is a failure too: never followed
        raise RuntimeError(f"HTTP {answer.status}: {text[:200]!r}")
