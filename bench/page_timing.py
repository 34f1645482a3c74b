"""Time the dashboards (province, city, district leader) and the order list, in-process: queries, median and
p95 wall time and median CPU (time.process_time, this process only: Django's share, not PostgreSQL's).

    .venv/bin/python -m bench.page_timing --database-url postgres://... [--reps 15] [--only dashboard,orders]

Issue 19's before/after figures for the rollup-backed dashboards and the order list's row loop.
"""
import argparse
import os
import statistics
import time

from bench.common import pct, personas, setup_django


def _sample(fn, reps: int) -> tuple[list[float], list[float]]:
    fn()  # warm: caches, the first connection, template compilation
    walls, cpus = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - w0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
    return walls, cpus


def _queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def _report(label: str, fn, reps: int) -> None:
    walls, cpus = _sample(fn, reps)
    print(f"{label:<44} {_queries(fn):>3} q  wall median {statistics.median(walls):7.1f}  p95 {pct(walls, 95):7.1f}"
          f"  cpu median {statistics.median(cpus):7.1f} ms  (n={reps})", flush=True)


def _client(user):
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def dashboards(reps: int) -> None:
    from django.contrib.auth import get_user_model

    from inspections.reports.stats import StatsFilter, dashboard

    people = personas()
    leaders = {"province leader": get_user_model().objects.get(username="p_leader"),
               "city leader": people["city leader"], "district leader": people["district leader"]}
    for who, user in leaders.items():
        for rollup in (False, True):
            source = "rollup" if rollup else "orders"
            _report(f"dashboard selector · {who} · {source}", lambda: dashboard(user, StatsFilter(), rollup=rollup),
                    reps)
        client = _client(user)
        _report(f"GET /reports/ · {who}", lambda: client.get("/reports/"), reps)


def order_list(reps: int) -> None:
    people = personas()
    for who in ("district inspector", "city leader"):
        client = _client(people[who])
        rows = client.get("/orders/").content.count(b"data-days-left")
        _report(f"GET /orders/ ({rows} rows) · {who}", lambda: client.get("/orders/"), reps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--only", default="dashboard,orders")
    args = parser.parse_args()
    setup_django(args.database_url, args.redis_url)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    if "dashboard" in args.only:
        dashboards(args.reps)
    if "orders" in args.only:
        order_list(args.reps)


if __name__ == "__main__":
    main()
