"""A small server comparison: one process of each ASGI server on loopback, the same database, a signed-in
page and an API call at a few concurrencies, from a thread-pool client on the same cores (bounded in time).

    .venv/bin/python -m bench.server_compare --database-url postgres://... --redis-url redis://... \
        [--servers daphne,uvicorn] [--concurrency 16,64] [--seconds 15] [--port 8301]

uvicorn (with uvloop and httptools) is optional: a server whose module is missing is reported as such.
BENCH_APPEND_PATH (os.pathsep-separated) is appended to sys.path here and in the servers: bench-only packages
installed with `pip install --target DIR` beside a shared virtualenv, never ahead of its own packages.
"""
import argparse
import http.client
import importlib.util
import os
import statistics
import subprocess
import sys
import threading
import time

from bench.common import ROOT, pct, personas, setup_django
from bench.servers import free_port

PATHS = ("/notifications/", "/api/v1/tasks/")
APPENDED = [p for p in os.environ.get("BENCH_APPEND_PATH", "").split(os.pathsep) if p]
sys.path.extend(APPENDED)
# Runs a module with BENCH_APPEND_PATH appended to sys.path (after the virtualenv's own packages).
RUN = ("import os, runpy, sys; sys.path += [p for p in os.environ.get('BENCH_APPEND_PATH', '').split(os.pathsep) if p]; "
       "name = sys.argv.pop(1); sys.argv[0] = name; runpy.run_module(name, run_name='__main__')")


def _command(server: str, port: int) -> list[str] | None:
    if server == "daphne":
        return [sys.executable, "-c", RUN, "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"]
    if server == "uvicorn" and importlib.util.find_spec("uvicorn") and importlib.util.find_spec("uvloop"):
        return [sys.executable, "-c", RUN, "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port",
                str(port), "--loop", "uvloop", "--http", "httptools", "--lifespan", "off", "--no-access-log"]
    return None


def _start(cmd: list[str], port: int, env: dict):
    log = open(f"/tmp/bench_compare_{port}.log", "w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/healthz")
            return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"{cmd[3]} did not start (see /tmp/bench_compare_{port}.log)")


def _load(port: int, path: str, cookie: str, concurrency: int, seconds: float) -> tuple[list[float], dict]:
    """`concurrency` threads, each one keep-alive connection, GET `path` until the time is up."""
    stop_at, times, codes, lock = time.monotonic() + seconds, [], {}, threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                code = response.status
            except OSError:
                code, conn = "error", http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                times.append((time.perf_counter() - t0) * 1000)
                codes[code] = codes.get(code, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, codes


def _cookie(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--servers", default="daphne,uvicorn")
    parser.add_argument("--concurrency", default="16,64")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--port", type=int, default=8301)
    args = parser.parse_args()
    setup_django(args.database_url, args.redis_url)
    cookie = _cookie(personas()["district inspector"])
    env = dict(os.environ, DATABASE_URL=args.database_url, REDIS_URL=args.redis_url, DUDAO_DEMO="1",
               DJANGO_SETTINGS_MODULE="config.settings", PYTHONPATH=str(ROOT))
    for server in args.servers.split(","):
        port = free_port(args.port)
        cmd = _command(server, port)
        if cmd is None:
            print(f"{server}: n/a (not installed)", flush=True)
            continue
        proc = _start(cmd, port, env)
        try:
            for path in PATHS:
                for concurrency in map(int, args.concurrency.split(",")):
                    load = os.getloadavg()[0]
                    times, codes = _load(port, path, cookie, concurrency, args.seconds)
                    print(f"{server:<8} {path:<16} c={concurrency:<4} {len(times) / args.seconds:6.1f} req/s  "
                          f"median {statistics.median(times):7.1f}  p95 {pct(times, 95):7.1f}  p99 {pct(times, 99):7.1f} ms"
                          f"  {codes}  load {load:.1f}", flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=15)


if __name__ == "__main__":
    main()
