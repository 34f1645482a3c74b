"""Measurements for the issue note (run with DUDAO_BENCH=1; skipped otherwise).

- latency from commit to the client's receipt, over 200 notifications, through the
  real ASGI stack (auth middleware, consumer) on whichever layer the settings give;
- memory per idle websocket held by a real daphne process (raw upgrade handshakes).
"""
import base64
import json
import os
import socket
import statistics
import time
import urllib.parse
import urllib.request

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import transaction
from rest_framework.authtoken.models import Token

from notifications.services import notify

from .test_notifications_browser import daphne_server  # noqa: F401 -- fixture
from .test_notifications_consumer import connect, receive

pytestmark = pytest.mark.skipif(os.environ.get("DUDAO_BENCH") != "1", reason="measurement; DUDAO_BENCH=1")
N = 200


@pytest.mark.django_db(transaction=True)
def test_latency_from_commit_to_receipt(people):
    key = Token.objects.create(user=people.school_staff).key

    @database_sync_to_async
    def commit_one(i):
        with transaction.atomic():
            notify(kind="bench", recipients=[people.school_staff], title=f"n{i}")
            committed = time.perf_counter()  # on_commit callbacks run on leaving the block
        return committed

    async def scenario():
        comm, _, _ = await connect(f"/ws/notifications/?token={key}")
        await receive(comm)
        samples = []
        for i in range(N):
            # The commit time is taken just before atomic() exits, so the push is included.
            start = time.perf_counter()
            await commit_one(i)
            message = await receive(comm, timeout=5)
            samples.append((time.perf_counter() - start) * 1000)
            assert message["notification"]["title"] == f"n{i}"
            await receive(comm)
        await comm.disconnect()
        return samples

    samples = sorted(async_to_sync(scenario)())
    layer = "redis" if os.environ.get("REDIS_URL") else "in-memory"
    print(f"\nLATENCY {layer}: median {statistics.median(samples):.2f} ms, "
          f"p99 {samples[int(len(samples) * 0.99) - 1]:.2f} ms over {len(samples)}")


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))


def _daphne_pid(port: int) -> int:
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if b"daphne" in b" ".join(cmd) and str(port).encode() in cmd:
            return int(pid)
    raise LookupError(port)


def test_memory_per_idle_websocket(daphne_server):  # noqa: F811
    token = json.loads(urllib.request.urlopen(urllib.request.Request(
        f"{daphne_server}/api/v1/auth/token/", method="POST",
        data=urllib.parse.urlencode({"username": "cqzz_staff", "password": "dudao-demo-2026"}).encode(),
    ), timeout=10).read())["token"]
    port = int(daphne_server.rsplit(":", 1)[1])
    pid = _daphne_pid(port)
    sockets = [_open_ws(port, token) for _ in range(20)]  # warm-up: code paths and pools
    time.sleep(1)
    before = _rss_kb(pid)
    sockets += [_open_ws(port, token) for _ in range(N)]
    time.sleep(2)
    after = _rss_kb(pid)
    for s in sockets:
        s.close()
    print(f"\nMEMORY per idle websocket: {(after - before) / N:.1f} KiB (daphne RSS {before} → {after} KiB, {N} sockets)")


def _open_ws(port: int, token: str) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /ws/notifications/?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               f"Origin: http://127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = s.recv(4096)
    assert head.startswith(b"HTTP/1.1 101"), head[:100]
    return s
