"""deploy/ for real: Debian's nginx with deploy/'s site in front of two daphne workers and the scheduler.

An order issued through nginx on one worker reaches a websocket (through nginx) held on the other; then one
worker is stopped and nginx keeps serving. Runs on PostgreSQL + Redis with nginx installed (.ci/run installs
nginx-light); skipped otherwise. Ports 8410-8412.
"""
import asyncio
import json
import os
import re
import shutil
import subprocess
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

from tests.test_notifications_cross_process import (HTTP, ROOT, next_notification, obtain_token, server_env,
                                                   stop, wait_until_serving)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = [
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (Redis channel layer)"),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"),
    pytest.mark.skipif(not os.path.exists(NGINX), reason="needs Debian's nginx (apt-get install nginx-light)"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("deploy-ports"),
]
PROXY, WORKERS = 8410, (8411, 8412)
DEPLOY = ROOT / "deploy"


def nginx_conf(tmp: Path) -> Path:
    """deploy/'s upstream, maps and locations as they are, with the test's ports and paths."""
    site = (DEPLOY / "nginx-dudao.conf").read_text()
    head = site[:site.index("server {")]  # upstream, maps, log format
    head = re.sub(r"server 127\.0\.0\.1:\d+[^;]*;\n", "", head).replace(
        "upstream dudao_web {", "upstream dudao_web {\n" + "".join(
            f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;\n" for port in WORKERS))
    locations = (DEPLOY / "nginx-dudao-locations.conf").read_text().replace(
        "/var/log/nginx/dudao.access.log", str(tmp / "access.log")).replace(
        "/srv/dudao/staticfiles/", str(ROOT / "static") + "/")
    (tmp / "locations.conf").write_text(locations)
    temp = "".join(f"{kind}_temp_path {tmp}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = tmp / "nginx.conf"
    conf.write_text(f"""user root; worker_processes 1; daemon off; pid {tmp}/nginx.pid; error_log {tmp}/error.log;
events {{ worker_connections 256; }}
http {{ {temp} {head}
server {{ listen 127.0.0.1:{PROXY}; server_name _;
  add_header X-Dudao-Upstream $upstream_addr always;  # the test sees which worker answered
  include {tmp}/locations.conf; }}
}}""")
    return conf


@pytest.fixture
def stack(people, tmp_path):
    """nginx, two workers and the scheduler; {"workers": {port: Popen}}; every process stopped afterwards."""
    env, procs, logs = server_env(), [], []

    def start(name, argv):
        log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 -- open while the process runs
        logs.append(log)
        procs.append((subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT), name))
        return procs[-1][0]

    try:
        # as deploy/systemd/dudao-web@.service starts them
        workers = {port: start(f"daphne_{port}", [str(ROOT / ".venv/bin/python"), "scripts/daphne_raw_bodies.py",
                                                  "-b", "127.0.0.1", "-p", str(port), "--proxy-headers",
                                                  "config.asgi:application"]) for port in WORKERS}
        start("scheduler", [str(ROOT / ".venv/bin/python"), "manage.py", "run_timers", "--interval", "1"])
        wait_until_serving([(workers[p], p) for p in WORKERS], logs[:2])
        conf = nginx_conf(tmp_path)
        subprocess.run([NGINX, "-t", "-c", str(conf)], check=True, capture_output=True)
        start("nginx", [NGINX, "-c", str(conf)])
        wait_until_serving([(procs[-1][0], PROXY)], logs[-1:])
        yield {"workers": workers, "tmp": tmp_path}
    finally:
        stop(procs)
        for log in logs:
            log.close()
        for log in logs:
            log.close()


def get(path: str, token: str | None = None):
    headers = {"Authorization": f"Token {token}"} if token else {}
    request = urllib.request.Request(f"http://127.0.0.1:{PROXY}{path}", headers=headers)
    try:
        with HTTP.open(request, timeout=15) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def issue(school_pk, token):
    body = {"school": school_pk, "requirements": "限期整改", "findings": [{"description": "灭火器过期", "severity": "serious"}]}
    request = urllib.request.Request(f"http://127.0.0.1:{PROXY}/api/v1/orders/", data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json",
                                                             "Authorization": f"Token {token}"})
    with HTTP.open(request, timeout=30) as response:
        return json.loads(response.read()), response.headers["X-Dudao-Upstream"]


def ws_worker(tmp: Path) -> str:
    """Which worker holds the websocket: its daphne access log has the WSCONNECT line."""
    for port in WORKERS:
        if "WSCONNECT" in (tmp / f"daphne_{port}.log").read_text():
            return f"127.0.0.1:{port}"
    raise AssertionError("no worker logged the websocket")


async def order_seen_from_the_other_worker(tmp, school_pk, inspector, leader):
    """Issue orders through nginx until one lands on the worker without the socket; its notification arrives."""
    from websockets.asyncio.client import connect

    uri = f"ws://127.0.0.1:{PROXY}/ws/notifications/?token={leader}"
    async with connect(uri, origin=f"http://127.0.0.1:{PROXY}", proxy=None, open_timeout=10) as ws:
        assert json.loads(await asyncio.wait_for(ws.recv(), timeout=10))["type"] == "unread"
        held_by = await asyncio.to_thread(ws_worker, tmp)
        for _ in range(4):  # round robin over two workers: the second try at the latest
            order, upstream = await asyncio.to_thread(issue, school_pk, inspector)
            received = await asyncio.wait_for(next_notification(ws, "order.issued"), timeout=10)
            arrived = datetime.now().astimezone()
            if upstream != held_by:
                lag = (arrived - datetime.fromisoformat(received["created_at"])).total_seconds()
                return order, received, held_by, upstream, lag
    raise AssertionError("nginx never sent an order to the other worker")


def test_nginx_two_workers_and_the_scheduler(people, tree, stack):
    status, headers, body = get("/readyz")
    assert status == 200, body  # database, Redis, migrations and the scheduler's heartbeat, through nginx
    assert headers["X-Request-ID"], "nginx's request id reaches the app and comes back"
    assert get("/metrics")[0] == 404, "the site never shows /metrics to the outside"
    static_status, static_headers, _ = get("/static/dudao/visit.js")
    assert static_status == 200, "static files from disk by nginx"
    assert static_headers["Cache-Control"] == "no-cache", "unhashed names: revalidated, never last release's script"
    port = WORKERS[0]
    inspector = obtain_token(port, people.district_inspector.username)
    leader = obtain_token(port, people.school_leader.username)
    order, received, held_by, issued_on, lag = asyncio.run(
        order_seen_from_the_other_worker(stack["tmp"], tree.school_a.pk, inspector, leader))
    assert order["number"] in received["title"] and held_by != issued_on
    print(f"\ninsert->websocket lag through nginx, across workers: {lag * 1000:.0f} ms")
    assert lag < 5
    stopped = int(issued_on.rsplit(":", 1)[1])
    stack["workers"][stopped].terminate()
    stack["workers"][stopped].wait(timeout=20)
    answers = [get("/api/v1/me/", inspector) for _ in range(8)]
    assert [a[0] for a in answers] == [200] * 8, [a[0] for a in answers]
    assert {a[1]["X-Dudao-Upstream"].split(", ")[-1] for a in answers} == {held_by}, "the rest went to the survivor"
