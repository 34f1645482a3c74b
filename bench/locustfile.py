"""T5 mixed load (run by bench/run through `locust --headless`; the plan comes from BENCH_T5_PLAN).

Inspectors record findings on their checked-in visit and read their tasks; school staff read
their orders and submit reports on orders waiting for one; leaders read the dashboard and
the ledger. Every request goes to one of the loopback daphne processes.
"""
import itertools
import json
import os
import uuid

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["BENCH_T5_PLAN"], encoding="utf-8").read())
_counters = {kind: itertools.count() for kind in ("inspectors", "schools", "leaders", "ports")}


def _next(kind):
    people = PLAN[kind]
    return people[next(_counters[kind]) % len(people)]


class _Persona(HttpUser):
    abstract = True
    wait_time = between(1, 4)
    kind = ""

    def on_start(self):
        self.me = _next(self.kind)
        # Round robin: hash(self) is the object's address, whose low bits sent every user to one process.
        self.port = PLAN["ports"][next(_counters["ports"]) % len(PLAN["ports"])]
        self.client.headers["Authorization"] = f"Token {self.me['token']}"
        if self.me.get("session"):
            self.client.cookies.set("sessionid", self.me["session"])

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


class Inspector(_Persona):
    weight = 2
    kind = "inspectors"

    @task(3)
    def record_finding(self):
        self.client.post(self.url(f"/api/v1/visits/{self.me['visit']}/findings/"), name="POST finding",
                         json={"description": "负载测试问题", "severity": "general", "client_uuid": str(uuid.uuid4())})

    @task(2)
    def my_tasks(self):
        self.client.get(self.url("/api/v1/tasks/"), name="GET tasks")


class School(_Persona):
    weight = 2
    kind = "schools"

    @task(2)
    def report(self):
        if self.me["orders"]:
            order = self.me["orders"].pop()
            self.client.post(self.url(f"/api/v1/orders/{order}/report/"), name="POST report",
                             json={"measures": "已按要求整改，附说明"})
        else:
            self.client.get(self.url("/api/v1/orders/?status=rectifying"), name="GET orders")

    @task(3)
    def my_tasks(self):
        self.client.get(self.url("/api/v1/tasks/"), name="GET tasks")


class Leader(_Persona):
    weight = 1
    kind = "leaders"

    @task(2)
    def dashboard(self):
        self.client.get(self.url("/reports/"), name="GET dashboard page")

    @task(2)
    def ledger(self):
        self.client.get(self.url("/api/v1/ledger/"), name="GET ledger API")

    @task(1)
    def ledger_page(self):
        self.client.get(self.url("/reports/ledger/"), name="GET ledger page")
