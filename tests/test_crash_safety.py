"""Crash safety: SIGKILL a web server in the middle of a burst of flow actions, and the scheduler mid-sweep.

Two daphne processes share the test's PostgreSQL database and the Redis channel layer, as in production;
the school leader's browser holds its notification socket on process B. B is killed while it has a
transaction open. Afterwards every order must agree with its flow (no half-done transition), every
answered action must be in the database, the unanswered ones must complete on A (or answer 409 when
they had in fact committed), and the leader's browser, reconnecting to A with ?since=<newest id seen>,
must end up with every notification stored for it. `run_timers` is then killed mid-sweep and restarted:
each due timer fires exactly once.

Runs only when both DATABASE_URL (PostgreSQL) and REDIS_URL are set.
"""
import asyncio
import datetime as dt
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from inspections.models import AuditEvent, RectificationOrder
from notifications.models import Notification
from workflows.consistency import order_flow_problems
from workflows.models import Deadline

from .orders_helpers import issue
from .test_flow_consistency import walked_to
from .test_notifications_cross_process import (
    DAPHNE, ROOT, free_port, obtain_token, post_json, server_env, wait_until_serving,
)

pytestmark = [
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (Redis channel layer)"),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="needs DATABASE_URL (a database both servers share)"),
    pytest.mark.django_db(transaction=True),  # committed rows, so the servers see the fixtures
]
APP_B, APP_TIMERS = "dudao_crash_b", "dudao_crash_timers"  # PGAPPNAME: how pg_stat_activity tells them apart
ORDERS_PER_ACTION = 6
TIMER_ORDERS = 10
WORKERS = 8
KILL_AFTER = 1 / 3  # of B's requests answered
WAIT = 45  # seconds, the bound of every wait here (the machine may be loaded)
# action → (path, who, body, the status it leads to); each order gets one action.
ACTIONS = {
    "sign": ("sign", "school_leader", {}, "rectifying"),
    "report": ("report", "school_staff", {"measures": "已整改"}, "report_review"),
    "approve_report": ("approve", "school_leader", {"decision": "approve"}, "rechecking"),
    "recheck_pass": ("recheck", "district_inspector", {"method": "on_site", "result": "pass"}, "closure_review"),
    "recheck_fail": ("recheck", "district_inspector", {"method": "document", "result": "fail", "notes": "未到位"},
                     "rectifying"),
    "approve_closure": ("approve", "district_leader", {"decision": "approve"}, "closed"),
}
STARTING_STATUS = {"sign": "issued", "report": "rectifying", "approve_report": "report_review",
                   "recheck_pass": "rechecking", "recheck_fail": "rechecking", "approve_closure": "closure_review"}


@pytest.fixture
def start(people, tmp_path):
    """start(name, argv, **env) → Popen logging to tmp_path; every process started is SIGKILLed at the end."""
    started = []

    def run(name, argv, **env):
        log = open(tmp_path / f"{name}.log", "w")
        proc = subprocess.Popen(argv, cwd=ROOT, env={**server_env(), **env}, stdout=log, stderr=subprocess.STDOUT)
        started.append((proc, log))
        proc.log = log
        return proc

    try:
        yield run
    finally:
        for proc, log in started:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=WAIT)
            log.close()


def daphne(start, name, **env):
    port = free_port()
    proc = start(name, [str(DAPHNE), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"], **env)
    return proc, port


def in_transaction(app_name: str) -> bool:
    """Has the process connected as `app_name` a transaction open beyond a single statement?"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND "
                       "(state = 'idle in transaction' OR xact_start < query_start)", [app_name])
        return cursor.fetchone()[0] > 0


def kill_mid_transaction(proc, app_name: str, ready) -> bool:
    """SIGKILL `proc` once ready() holds and it has a transaction open; True if it was caught mid-transaction."""
    deadline = time.monotonic() + WAIT
    while not ready() and time.monotonic() < deadline:
        time.sleep(0.005)
    caught = False
    while not caught and time.monotonic() < deadline and proc.poll() is None:
        caught = in_transaction(app_name)
        time.sleep(0.001)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=WAIT)
    return caught


def send(port: int, path: str, body: dict, token: str):
    """(status, body); status None when the connection failed or was cut."""
    try:
        return post_json(port, path, body, token)
    except (OSError, http.client.HTTPException) as error:
        return None, {"error": repr(error)}


# --- the school leader's browser -----------------------------------------------------------------------

def ws_url(port: int, token: str, since: int) -> str:
    return f"ws://127.0.0.1:{port}/ws/notifications/?token={token}&since={since}"


async def read_catch_up(ws) -> list[int]:
    """The ids the catch-up sends before its first unread-count frame."""
    ids = []
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=WAIT))
        if message["type"] == "unread":
            return ids
        ids.append(message["notification"]["id"])


async def catch_up(port: int, token: str, since: int) -> list[int]:
    from websockets.asyncio.client import connect

    async with connect(ws_url(port, token, since), origin=f"http://127.0.0.1:{port}", proxy=None,
                       open_timeout=WAIT, close_timeout=5) as ws:
        return await read_catch_up(ws)


class Browser(threading.Thread):
    """Holds a socket on B from before the burst; when B dies, reconnects to A with ?since=<newest id seen>."""

    def __init__(self, port_b: int, port_a: int, token: str):
        super().__init__(daemon=True)
        self.port_b, self.port_a, self.token = port_b, port_a, token
        self.seen: list[int] = []
        self.caught: list[int] = []
        self.listening, self.may_reconnect = threading.Event(), threading.Event()
        self.error = None

    def run(self):
        try:
            asyncio.run(self._run())
        except BaseException as error:  # reported by the test, not lost in the thread
            self.error = error

    async def _run(self):
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed

        async with connect(ws_url(self.port_b, self.token, 0), origin=f"http://127.0.0.1:{self.port_b}",
                           proxy=None, open_timeout=WAIT, close_timeout=2) as ws:
            self.seen += await read_catch_up(ws)
            self.listening.set()
            try:
                while True:
                    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=WAIT))
                    if message["type"] == "notification":
                        self.seen.append(message["notification"]["id"])
            except ConnectionClosed:
                pass  # B was killed
        await asyncio.to_thread(self.may_reconnect.wait, WAIT)
        self.caught = await catch_up(self.port_a, self.token, max(self.seen, default=0))


# --- the burst ---------------------------------------------------------------------------------------

def orders_for_the_burst(people, tree) -> list[tuple[int, str]]:
    """(order id, action) pairs: ORDERS_PER_ACTION orders waiting for each action, made by the services."""
    plan = []
    for action, status in STARTING_STATUS.items():
        plan += [(walked_to(people, tree, status).pk, action) for _ in range(ORDERS_PER_ACTION)]
    return plan


def requests_of(plan) -> list[tuple[int, str, str]]:
    """(order id, action, "a"/"b"): every other order is double-submitted to both servers, the rest to one."""
    requests = []
    for i, (order_id, action) in enumerate(plan):
        requests += [(order_id, action, "a"), (order_id, action, "b")] if i % 2 == 0 else \
            [(order_id, action, "ab"[i // 2 % 2])]
    random.Random(9).shuffle(requests)
    return requests


def fire(request, ports, tokens):
    order_id, action, server = request
    path, who, body, _ = ACTIONS[action]
    return (*request, *send(ports[server], f"/api/v1/orders/{order_id}/{path}/", body, tokens[who]))


def burst_killing_b(requests, ports, tokens, proc_b):
    """Fire all requests from WORKERS threads; SIGKILL B mid-transaction once KILL_AFTER of its share answered."""
    answers = []
    b_total = sum(server == "b" for _, _, server in requests)

    def b_answered():
        return sum(1 for a in answers if a[2] == "b" and a[3] is not None) >= b_total * KILL_AFTER

    with ThreadPoolExecutor(WORKERS) as pool:
        futures = [pool.submit(lambda r: answers.append(fire(r, ports, tokens)) or r, request)
                   for request in requests]
        caught = kill_mid_transaction(proc_b, APP_B, b_answered)
        done, pending = wait(futures, timeout=WAIT * 2)
    assert not pending, f"{len(pending)} requests never returned"
    return answers, caught


def assert_answers_reflected(answers):
    """At most one success per order, and each success is what the database holds now."""
    won = {}
    for order_id, action, server, status, body in answers:
        assert status in (None, 200, 409), (order_id, action, server, status, body)
        if status == 200:
            assert order_id not in won, (f"order {order_id}: {action} succeeded twice: "
                                         f"{[a[:4] for a in answers if a[0] == order_id]} {body}")
            won[order_id] = body["status"]
    for order_id, status in won.items():
        assert RectificationOrder.objects.get(pk=order_id).status == status
    return won


def retry_unanswered_on_a(plan, won, port_a, tokens) -> dict:
    """The client's retry of every action that got no success: 200, or 409 if it had committed after all."""
    outcomes = {}
    for order_id, action in plan:
        if order_id not in won:
            status, body = fire((order_id, action, "a"), {"a": port_a}, tokens)[3:]
            assert status in (200, 409), (order_id, action, status, body)
            outcomes[order_id] = status
    return outcomes


def reconnect_to_a(browser, user, port_a, token) -> tuple[set, set]:
    """Let the browser reconnect; (stored ids, ids it never got). A fresh catch-up from 0 must give all stored."""
    browser.may_reconnect.set()
    browser.join(WAIT)
    assert not browser.is_alive() and browser.error is None, browser.error
    stored = set(Notification.objects.filter(recipient=user).values_list("pk", flat=True))
    assert set(browser.seen) <= stored, "a notification of a rolled-back action was pushed"
    assert asyncio.run(catch_up(port_a, token, 0)) == sorted(stored)
    return stored, stored - set(browser.seen) - set(browser.caught)


def test_server_killed_mid_burst_leaves_every_order_consistent_and_loses_no_notification(people, tree, start):
    plan = orders_for_the_burst(people, tree)
    proc_a, port_a = daphne(start, "daphne_a")
    proc_b, port_b = daphne(start, "daphne_b", PGAPPNAME=APP_B)
    wait_until_serving([(proc_a, port_a), (proc_b, port_b)], [proc_a.log, proc_b.log])
    tokens = {who: obtain_token(port_a, getattr(people, who).username)
              for who in ("school_leader", "school_staff", "district_inspector", "district_leader")}
    browser = Browser(port_b, port_a, tokens["school_leader"])
    browser.start()
    assert browser.listening.wait(WAIT), browser.error
    answers, caught = burst_killing_b(requests_of(plan), {"a": port_a, "b": port_b}, tokens, proc_b)

    assert caught, "B was never seen inside a transaction"
    assert any(a[2] == "b" and a[3] is None for a in answers), "no request to B was cut off"
    won = assert_answers_reflected(answers)
    retried = retry_unanswered_on_a(plan, won, port_a, tokens)
    for order_id, action in plan:
        order = RectificationOrder.objects.get(pk=order_id)
        assert order.status == ACTIONS[action][3], (order_id, action, retried.get(order_id))
        assert order_flow_problems(order) == []

    stored, lost = reconnect_to_a(browser, people.school_leader, port_a, tokens["school_leader"])
    print(f"\nburst: {len(answers)} requests, {sum(a[3] == 200 for a in answers)} ok, "
          f"{sum(a[3] == 409 for a in answers)} conflict, {sum(a[3] is None for a in answers)} cut; "
          f"retried {len(retried)}: {sorted(retried.values())}; leader saw {len(browser.seen)} live, "
          f"{len(browser.caught)} on reconnect of {len(stored)}; lost {sorted(lost)}")
    # Ids are allocated at insert but pushed at commit, so a row committed on A after B pushed a higher id
    # sits below the browser's ?since=; the catch-up's overlap window (notifications.consumers) covers it.
    assert not lost, f"reconnect with since={max(browser.seen)} missed {sorted(lost)}"


# --- the scheduler -----------------------------------------------------------------------------------

def make_timers_due(orders) -> list[int]:
    """Move each order's deadline and sign timers into the past: a reminder and an overdue fall due."""
    past = timezone.now() - dt.timedelta(hours=1)
    Deadline.objects.filter(pk__in=[o.deadline_id for o in orders]).update(due_at=past)
    due = Task.objects.filter(process__in=[o.process.pk for o in orders], flow_task_type="TIMER",
                              status=STATUS.SCHEDULED)
    due.update(scheduled=past)
    return list(due.values_list("pk", flat=True))


def fired_count(timer_ids) -> int:
    return Task.objects.filter(pk__in=timer_ids, status=STATUS.DONE).count()


def wait_until_all_fired(timer_ids, proc) -> None:
    deadline = time.monotonic() + WAIT
    while fired_count(timer_ids) < len(timer_ids):
        assert proc.poll() is None and time.monotonic() < deadline, f"{fired_count(timer_ids)}/{len(timer_ids)} fired"
        time.sleep(0.1)


def test_scheduler_killed_mid_sweep_resumes_and_fires_nothing_twice(people, tree, start):
    orders = [issue(people, tree) for _ in range(TIMER_ORDERS)]
    timer_ids = make_timers_due(orders)
    assert len(timer_ids) == 2 * TIMER_ORDERS  # each unsigned order: the sign reminder and the overdue
    argv = [sys.executable, "manage.py", "run_timers", "--interval", "0.5"]
    first = start("timers_1", argv, PGAPPNAME=APP_TIMERS)
    caught = kill_mid_transaction(first, APP_TIMERS, lambda: fired_count(timer_ids) >= 1)
    fired_before_restart = fired_count(timer_ids)
    assert caught and 0 < fired_before_restart < len(timer_ids), fired_before_restart
    assert all(order_flow_problems(o) == [] for o in RectificationOrder.objects.filter(pk__in=[o.pk for o in orders]))

    second = start("timers_2", argv, PGAPPNAME=APP_TIMERS)
    wait_until_all_fired(timer_ids, second)
    os.kill(second.pid, signal.SIGKILL)
    second.wait(timeout=WAIT)
    call_command("run_timers", "--once", stdout=StringIO())  # one more sweep: nothing left to fire again

    for order in RectificationOrder.objects.filter(pk__in=[o.pk for o in orders]):
        assert order.overdue_count == 1 and order.is_overdue
        kinds = list(AuditEvent.objects.filter(order=order).values_list("action", flat=True))
        assert (kinds.count("order.sign_reminder"), kinds.count("order.overdue")) == (1, 1)
        for kind in ("order.sign_reminder", "order.overdue"):
            told = list(Notification.objects.filter(kind=kind, target_id=str(order.pk))
                        .values_list("recipient_id", flat=True))
            assert people.school_leader.pk in told and len(told) == len(set(told)), (kind, told)
        assert order_flow_problems(order) == []
    print(f"\nscheduler killed after {fired_before_restart}/{len(timer_ids)} timers; the restart fired the rest once")
