"""Overload degrades, never collapses (config.overload): one daphne process with a pool of 3 connections
(2 requests in flight) is driven at 4x that concurrency for a few seconds, while other clients give up
mid-request. Requests keep completing, the ones beyond the queue are told 503 with Retry-After (never a
500, never a 20 s wait for a connection), and afterwards no connection is left held.

PostgreSQL only (the pool is PostgreSQL's); skipped on SQLite.
"""
import os
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="needs DATABASE_URL (the PostgreSQL pool)"),
    pytest.mark.django_db(transaction=True),  # committed rows, so the server sees the people
]
ROOT = Path(__file__).resolve().parent.parent
POOL, IN_FLIGHT = 3, 2
CLIENTS = 4 * IN_FLIGHT
LOAD_SECONDS = 6
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env() -> dict:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return {**os.environ, "DATABASE_URL": urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"])),
            "DUDAO_DEMO": "1", "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "DATABASE_POOL_SIZE": str(POOL), "WEB_MAX_IN_FLIGHT": str(IN_FLIGHT), "WEB_MAX_QUEUED": "4",
            "WEB_QUEUE_TIMEOUT": "2"}


def get(port, path, token, timeout=15) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Token {token}"})
    try:
        with HTTP.open(request, timeout=timeout) as response:
            response.read()
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


@pytest.fixture
def server(people, tmp_path):
    port = free_port()
    with connection.cursor() as cur:  # the server's connections are those opened from now on
        cur.execute("SELECT now()")
        SERVER_SINCE[:] = [cur.fetchone()[0]]
    log = open(tmp_path / "daphne.log", "w")
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "daphne"), "-b", "127.0.0.1", "-p", str(port),
                             "config.asgi:application"], cwd=ROOT, env=server_env(), stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                HTTP.open(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "daphne.log").read_text()
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def token_for(port, username) -> str:
    import json

    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/auth/token/", method="POST",
                                     data=json.dumps({"username": username, "password": "pw-for-tests-1"}).encode(),
                                     headers={"Content-Type": "application/json"})
    with HTTP.open(request, timeout=30) as response:
        return json.loads(response.read())["token"]


def give_up_early(port, token, stop_at) -> None:
    """A client that sends a request and hangs up before the answer (a client time-out)."""
    while time.monotonic() < stop_at:
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(f"GET /api/v1/tasks/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {token}\r\n\r\n"
                      .encode())
            time.sleep(0.03)


SERVER_SINCE = []  # when the server fixture started: earlier tests' threads may keep idle connections of their own


def held_connections() -> list[str]:
    """States of the server's connections to the test database (not this test's own, nor earlier tests')."""
    with connection.cursor() as cur:
        cur.execute("SELECT state, left(query, 80) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_start >= %s", SERVER_SINCE)
        return cur.fetchall()


def settled(seconds=10) -> bool:
    """Within a few seconds the server holds at most its pool, every connection idle (a connection a cancelled
    request gave back in a bad state is discarded and replaced by the pool: its backend may linger a moment)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        states = held_connections()
        if len(states) <= POOL and all(state == "idle" for state, _ in states):
            return True
        time.sleep(0.2)
    return False


def test_four_times_the_pool_keeps_completing_and_leaks_no_connection(server, people):
    token = token_for(server, "district_inspector")
    results, stop_at = [], time.monotonic() + LOAD_SECONDS

    def client():
        while time.monotonic() < stop_at:
            started = time.monotonic()
            status, headers = get(server, "/api/v1/tasks/", token)
            results.append((status, headers.get("Retry-After"), time.monotonic() - started))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    threads += [threading.Thread(target=give_up_early, args=(server, token, stop_at)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    served = [r for r in results if r[0] == 200]
    print("OVERLOAD", len(results), "answers", sorted({r[0] for r in results}), "slowest", max(r[2] for r in results))
    refused = [r for r in results if r[0] == 503]
    assert len(served) >= 10, results
    assert len(served) + len(refused) == len(results), {r[0] for r in results}  # never a 500
    assert all(retry == "1" for _, retry, _ in refused)
    assert max(elapsed for *_, elapsed in results) < 10  # nobody waited the pool's 20 s
    assert settled(), held_connections()
    assert get(server, "/api/v1/tasks/", token, timeout=5)[0] == 200
