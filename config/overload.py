"""Overload degrades, never collapses: at most as many HTTP requests in flight per web process as its
database pool can serve; the next ones wait in a bounded queue, and beyond it (or after waiting too long)
they are answered at once with 503 and Retry-After.

Why: under daphne every in-flight request holds a thread and, from its first query to its end, a pooled
connection. With 64 concurrent requests and a pool of 8, 56 threads waited the pool's 20 s for "couldn't
get a connection" and the process answered nothing for the whole run. Here the waiting happens before
Django is entered (an asyncio semaphore: no thread, no connection), so the requests that are admitted
always find a connection and finish at full speed.

A slot is released only when Django's ASGI handler returns. When the client goes away mid-request, the
handler cancels the view's task but still awaits `request_finished` (which closes, i.e. returns, the
connection) on the request's own thread, after the view's code has finished there: so a slot is never
freed while its connection is still held, and a cancelled request always gives its connection back.
Waiters that disconnect leave the queue (their task is cancelled while waiting).

Websockets are not limited here (their consumers hold no connection between messages); neither are static
files and the liveness probe, which touch no database.
"""
import asyncio
import json
import os

EXEMPT_PREFIXES = ("/static/", "/healthz")
RETRY_AFTER_SECONDS = 1


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip().lstrip("-").isdigit() else default


def limits_from_environment(pool_size: int) -> tuple[int, int, float]:
    """(in flight, queued, seconds a request may wait): WEB_MAX_IN_FLIGHT (default: the pool size less one
    connection kept for the websocket consumers and the scheduler's calls; 0 = no limit, the default without
    a pool, e.g. SQLite), WEB_MAX_QUEUED (default 32x in flight: a burst of users queues rather than being
    refused; the bound is what keeps a flood from growing the queue without end), WEB_QUEUE_TIMEOUT (10 s)."""
    in_flight = _env_int("WEB_MAX_IN_FLIGHT", max(1, pool_size - 1) if pool_size else 0)
    queued = _env_int("WEB_MAX_QUEUED", 32 * in_flight)
    wait = float(os.environ.get("WEB_QUEUE_TIMEOUT", "") or 10)
    return max(0, in_flight), max(0, queued), max(0.0, wait)


class InFlightLimit:
    """ASGI middleware around the HTTP application (config.asgi)."""

    def __init__(self, app, *, in_flight: int, queued: int, wait: float):
        self.app, self.in_flight, self.queued, self.wait = app, in_flight, queued, wait
        self.running = 0      # requests inside Django now
        self.waiting = 0      # requests in the queue now
        self.refused = 0      # 503s answered since start (for logs and tests)
        self._slots = None    # made on first use, inside the server's event loop

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self.in_flight <= 0 or scope.get("path", "").startswith(EXEMPT_PREFIXES):
            return await self.app(scope, receive, send)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.in_flight)
        if not await self._admitted():
            return await self._refuse(scope, send)
        self.running += 1
        try:
            return await self.app(scope, receive, send)
        finally:
            self.running -= 1
            self._slots.release()

    async def _admitted(self) -> bool:
        """Take a slot now, or queue for one (bounded in number and time)."""
        if not self._slots.locked():
            await self._slots.acquire()
            return True
        if self.waiting >= self.queued:
            return False
        self.waiting += 1
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=self.wait)
            return True
        except asyncio.TimeoutError:
            return False
        finally:
            self.waiting -= 1

    async def _refuse(self, scope, send) -> None:
        self.refused += 1
        api = scope.get("path", "").startswith("/api/")
        body = (json.dumps({"detail": "服务繁忙，请稍后重试。", "detail_en": "Server busy, please retry."},
                           ensure_ascii=False) if api else
                "<!doctype html><meta charset=utf-8><title>503</title><p>服务繁忙，请稍后重试。</p>"
                "<p lang=en>Server busy, please retry.</p>").encode()
        await send({"type": "http.response.start", "status": 503, "headers": [
            (b"content-type", b"application/json" if api else b"text/html; charset=utf-8"),
            (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
            (b"cache-control", b"no-store"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
