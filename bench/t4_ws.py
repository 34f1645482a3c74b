"""T4: websocket notifications over 2 daphne processes and Redis.

1. `clients` sockets (split over the 2 processes, each as a different user when
   there are enough users) wait on /ws/notifications/; a burst of notifications
   to all of them is stored in one transaction; latency = receipt time − commit
   time (same clock: the burst is sent from this process).
2. Memory: `idle` extra sockets per process; the growth of each daphne's RSS
   divided by its sockets.
"""
import asyncio
import time

from bench.common import Row
from bench.servers import start_daphne, stop

BURSTS = 5
CONNECT_BATCH = 100
TIMEOUT = 30
CONNECT_BUDGET = 120   # seconds per connect phase: a saturated server must not stretch the bench for ever


def _tokens(n: int) -> list:
    """DRF tokens of up to `n` active users (made here if missing); reused round-robin when n is larger."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    users = list(get_user_model().objects.filter(is_active=True).order_by("pk")[:n])
    have = set(Token.objects.filter(user__in=users).values_list("user_id", flat=True))
    Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in users if u.pk not in have])
    return list(Token.objects.filter(user__in=users).values_list("key", "user_id"))


def run(*, clients: int, idle: int, database_url: str, redis_url: str) -> list:
    try:
        import psutil  # noqa: F401
        import websockets  # noqa: F401
    except ImportError as exc:
        return [Row("T4", "-", note=f"n/a (missing: {exc.name}; pip install -r bench/requirements.txt)")]
    _forget_stale_channels(redis_url)
    tokens = _tokens(clients)
    procs = start_daphne(2, database_url, redis_url, "t4")
    try:
        return asyncio.run(_measure(procs, tokens, clients, idle))
    finally:
        stop(procs)


def _forget_stale_channels(redis_url: str) -> None:
    """Group memberships left by daphne processes of an interrupted run would inflate every fan-out."""
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match="dudao_bench*", count=1000):
        client.delete(key)


async def _connect(port, token):
    import websockets

    ws = await websockets.connect(f"ws://127.0.0.1:{port}/ws/notifications/?token={token}",
                                  origin=f"http://127.0.0.1:{port}", open_timeout=TIMEOUT, max_queue=None)
    await asyncio.wait_for(ws.recv(), TIMEOUT)      # the unread count sent on connect
    return port, ws


async def _connect_many(pairs):
    """Connect in batches until done or CONNECT_BUDGET is spent; returns (sockets, failures)."""
    sockets = []
    deadline = time.monotonic() + CONNECT_BUDGET
    for start in range(0, len(pairs), CONNECT_BATCH):
        if time.monotonic() > deadline:
            break
        batch = pairs[start:start + CONNECT_BATCH]
        done = await asyncio.gather(*(_connect(port, token) for port, token in batch), return_exceptions=True)
        sockets += done
    return [s for s in sockets if not isinstance(s, BaseException)], [s for s in sockets if isinstance(s, BaseException)]


async def _measure(procs, tokens, clients, idle):
    ports = [port for _, port in procs]
    pairs = [(ports[k % 2], tokens[k % len(tokens)]) for k in range(clients)]
    connected, failed = await _connect_many([(p, t[0]) for p, t in pairs])
    sockets = [ws for _, ws in connected]
    users = sorted({tokens[k % len(tokens)][1] for k in range(clients)})
    latencies = []
    for _ in range(BURSTS):
        latencies += await _burst(sockets, users)
    rows = [Row("T4", f"commit→receipt, burst to {len(users)} users / {len(sockets)} of {clients} sockets", latencies,
                note=f"{BURSTS} bursts; {len(failed)} failed connects; target p99 ≤ 50")]
    owners = [tokens[k % len(tokens)][1] for k, (_, ws) in enumerate(connected)]
    singles = await _singles(sockets, owners)
    rows.append(Row("T4", f"commit→receipt, {len(singles)} single events, {len(sockets)} sockets open", singles,
                    note="one recipient each, sent one after another; target p99 ≤ 50"))
    for ws in sockets:
        await ws.close()
    rows.append(await _idle_memory(procs, tokens, idle))
    return rows


async def _burst(sockets, users):
    """One notification to every user in one transaction; wait (bounded) for every socket's copy."""
    from asgiref.sync import sync_to_async

    stamp = {}
    waiters = [asyncio.create_task(_first_notification(ws)) for ws in sockets]
    await asyncio.sleep(0.05)
    await sync_to_async(_send_burst, thread_sensitive=False)(users, stamp)
    received = await asyncio.gather(*waiters)
    return [(t - stamp["commit"]) * 1000 for t in received if t is not None]


SINGLES = 200


async def _singles(sockets, owners):
    """The everyday case: one event for one person while everyone else's socket stays open."""
    from asgiref.sync import sync_to_async

    unique = {}
    for ws, owner in zip(sockets, owners):
        unique.setdefault(owner, ws)                # a user with several sockets: wait on the first
    latencies = []
    for k in range(min(SINGLES, len(unique) * 5)):
        owner = list(unique)[(k * 7919) % len(unique)]
        stamp = {}
        waiter = asyncio.create_task(_first_notification(unique[owner]))
        await asyncio.sleep(0)
        await sync_to_async(_send_burst, thread_sensitive=False)([owner], stamp)
        received = await waiter
        if received is not None:
            latencies.append((received - stamp["commit"]) * 1000)
    return latencies


async def _first_notification(ws):
    import json

    end = time.monotonic() + TIMEOUT
    while time.monotonic() < end:
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), end - time.monotonic()))
        except (asyncio.TimeoutError, Exception):
            return None
        if message.get("type") == "notification":
            return time.time()
    return None


def _send_burst(user_ids, stamp):
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from notifications.services import notify

    users = list(get_user_model().objects.filter(pk__in=user_ids))
    with transaction.atomic():
        transaction.on_commit(lambda: stamp.__setitem__("commit", time.time()))  # runs first after COMMIT
        notify(kind="bench.burst", recipients=users, title="基准测试通知", robots=False)


async def _idle_memory(procs, tokens, idle):
    import psutil

    before = [psutil.Process(proc.pid).memory_info().rss for proc, _ in procs]
    # interleaved, so that both processes fill up evenly even when the budget runs out
    pairs = [(port, tokens[k % len(tokens)][0]) for k in range(idle) for _, port in procs]
    connected, failed = await _connect_many(pairs)
    await asyncio.sleep(2)
    after = [psutil.Process(proc.pid).memory_info().rss for proc, _ in procs]
    per_port = {port: sum(1 for p, _ in connected if p == port) for _, port in procs}
    per = [(a - b) / 1024 / per_port[port] for a, b, (_, port) in zip(after, before, procs) if per_port[port]]
    sockets = [ws for _, ws in connected]
    for ws in sockets:
        await ws.close()
    return Row("T4", f"RSS per idle socket ({len(sockets)} of {len(pairs)} sockets over {len(procs)} daphne)", per,
               "KiB", f"{len(failed)} failed connects; {CONNECT_BUDGET}s budget; target ≤ 64")
