"""Starting and stopping the ASGI processes the bench talks to (loopback only, bounded waits)."""
import os
import socket
import subprocess
import sys
import time

from bench.common import ROOT

BASE_PORT = 18770


def free_port(start: int) -> int:
    for port in range(start, start + 200):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free loopback port")


def start_daphne(count: int, database_url: str, redis_url: str, log_prefix: str) -> list:
    """`count` daphne processes on 127.0.0.1; returns [(Popen, port)] once every one accepts connections."""
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, DUDAO_DEMO="1",
               REDIS_PREFIX="dudao_bench", DJANGO_SETTINGS_MODULE="config.settings")
    procs, port = [], BASE_PORT
    for k in range(count):
        port = free_port(port + 1)
        log = open(f"/tmp/{log_prefix}_daphne_{k}.log", "w")
        proc = subprocess.Popen([str(ROOT / ".venv/bin/daphne"), "-b", "127.0.0.1", "-p", str(port),
                                 "config.asgi:application"], cwd=ROOT, env=env, stdout=log, stderr=log)
        procs.append((proc, port))
    deadline = time.monotonic() + 60
    for proc, port in procs:
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                stop(procs)
                raise RuntimeError(f"daphne on {port} did not start (see /tmp/{log_prefix}_daphne_*.log)")
            time.sleep(0.2)
    return procs


def stop(procs) -> None:
    """Stop exactly the processes this bench started."""
    for proc, _ in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc, _ in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    sys.stderr.flush()
