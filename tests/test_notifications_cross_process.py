"""Across real ASGI server processes: an order issued over HTTP on process A reaches a websocket held by process B.

Two daphne processes share the test's PostgreSQL database and the Redis channel layer, as in production.
Runs only when both DATABASE_URL (PostgreSQL) and REDIS_URL are set (the PostgreSQL + Redis half of .ci/run).
"""
import asyncio
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (Redis channel layer)"),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="needs DATABASE_URL (a database both servers share)"),
    pytest.mark.django_db(transaction=True),  # committed rows, so the servers see the fixtures
]
ROOT = Path(__file__).resolve().parent.parent
DAPHNE = ROOT / ".venv" / "bin" / "daphne"
PASSWORD = "pw-for-tests-1"  # the shared people fixture's password
START_TIMEOUT = 60
DELIVERY_TIMEOUT = 10
# Longer than channels_redis's 5 s BZPOPMIN: real sockets sit idle, and an idle one must still be listening.
IDLE_SECONDS = 7
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only: ignore any proxy settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shared_database_url() -> str:
    """DATABASE_URL pointed at the test database pytest-django created (e.g. test_dudao_ci)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def server_env() -> dict:
    # config.settings_test keeps the MD5 hasher the fixture passwords were stored with.
    return {**os.environ, "DATABASE_URL": shared_database_url(), "REDIS_URL": os.environ["REDIS_URL"],
            "DUDAO_DEMO": "1", "DJANGO_SETTINGS_MODULE": "config.settings_test"}


def answers(port: int) -> bool:
    try:
        with HTTP.open(f"http://127.0.0.1:{port}/api/v1/", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer (401/403/404) means Django is serving
    except OSError:
        return False


def wait_until_serving(servers: list, logs: list) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    for (proc, port), log in zip(servers, logs):
        while not answers(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise AssertionError(f"daphne on port {port} did not start:\n{Path(log.name).read_text()[-3000:]}")
            time.sleep(0.2)


def stop(servers: list) -> None:
    """Stop exactly the processes this test started, before the test database is flushed or dropped."""
    for proc, _ in servers:
        if proc.poll() is None:
            proc.terminate()
    for proc, _ in servers:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def two_servers(people, tmp_path):
    """[(Popen, port)] for process A and process B, both answering HTTP; always terminated afterwards."""
    servers, logs = [], []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = open(tmp_path / f"daphne_{name}.log", "w")
            logs.append(log)
            proc = subprocess.Popen([str(DAPHNE), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
                                    cwd=ROOT, env=server_env(), stdout=log, stderr=subprocess.STDOUT)
            servers.append((proc, port))
        wait_until_serving(servers, logs)
        yield servers
    finally:
        stop(servers)
        for log in logs:
            log.close()


def post_json(port: int, path: str, body: dict, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                     headers=headers, method="POST")
    try:
        with HTTP.open(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {"error": error.read().decode(errors="replace")[:2000]}


def obtain_token(port: int, username: str) -> str:
    status, body = post_json(port, "/api/v1/auth/token/", {"username": username, "password": PASSWORD})
    assert status == 200, body
    return body["token"]


async def next_notification(ws, kind: str) -> dict:
    """Skip unread-count frames until a notification of `kind` arrives."""
    while True:
        message = json.loads(await ws.recv())
        if message.get("type") == "notification" and message["notification"]["kind"] == kind:
            return message["notification"]


async def issue_on_a_and_listen_on_b(port_a: int, port_b: int, school_pk: int, inspector_token: str,
                                     staff_token: str):
    from websockets.asyncio.client import connect

    uri = f"ws://127.0.0.1:{port_b}/ws/notifications/?token={staff_token}"
    async with connect(uri, origin=f"http://127.0.0.1:{port_b}", proxy=None, open_timeout=10,
                       close_timeout=5) as ws:
        # The first frame is the unread count: the socket is in its group before anything is issued.
        assert json.loads(await asyncio.wait_for(ws.recv(), timeout=10)) == {"type": "unread", "count": 0}
        await asyncio.sleep(IDLE_SECONDS)
        body = {"school": school_pk, "requirements": "限期整改",
                "findings": [{"description": "灭火器过期", "severity": "serious"}]}
        status, order = await asyncio.to_thread(post_json, port_a, "/api/v1/orders/", body, inspector_token)
        assert status == 201, order
        received = await asyncio.wait_for(next_notification(ws, "order.issued"), timeout=DELIVERY_TIMEOUT)
        return order, received


def test_school_leader_on_process_b_receives_the_order_issued_on_process_a(people, tree, two_servers):
    # The school leader signs (inspections.orders.actions), so it is the leader who is told an order is issued.
    (_, port_a), (_, port_b) = two_servers
    inspector_token = obtain_token(port_a, people.district_inspector.username)
    leader_token = obtain_token(port_a, people.school_leader.username)
    order, received = asyncio.run(issue_on_a_and_listen_on_b(port_a, port_b, tree.school_a.pk, inspector_token,
                                                                leader_token))
    assert order["number"] and order["number"] in received["title"]
    assert received["read"] is False
