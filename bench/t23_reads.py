"""T2 (my tasks: API, inbox page, viewflow's stock queue) and T3 (ledger page/API, dashboards).

Requests go through Django's full stack in-process (test Client: middleware,
session auth, views, templates) so the figure is the server's time without
network; T5 measures over real HTTP.
"""
from bench.common import Row, missing, personas, timed, url_named


def _client(user):
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def _measure_get(client, path, reps):
    status = client.get(path).status_code          # warm-up (and the status to report)
    return [timed(lambda: client.get(path)) for _ in range(reps)], status


def _queries(client, path) -> int:
    """Queries of one warm request: reliable where timings are not (a shared, loaded machine)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    return len(ctx.captured_queries)


_FLOORS = {}  # (user pk, "page" | "api") -> median ms of bench/floor.py's views for that user


def _median(values):
    return sorted(values)[len(values) // 2]


def floor_rows(who, user, client, reps) -> list:
    """The framework floor for this person: a shell page and a tiny JSON (bench/floor.py)."""
    rows = []
    for kind, name in (("page", "bench-floor-page"), ("api", "bench-floor-api")):
        path = url_named(name)
        if not path:
            rows.append(missing("T0", f"floor {kind} · {who}", "bench/floor.py (DUDAO_BENCH_FLOOR=1)"))
            continue
        times, status = _measure_get(client, path, reps)
        _FLOORS[(user.pk, kind)] = _median(times)
        rows.append(Row("T0", f"floor {kind} {path} · {who}", times,
                        note=f"HTTP {status}; {_queries(client, path)} queries"))
    return rows


def page_row(test, label, client, user, path, reps, target, kind="page") -> Row:
    """A timed GET with its queries and its ratio to this person's floor of the same kind."""
    times, status = _measure_get(client, path, reps)
    floor = _FLOORS.get((user.pk, kind))
    ratio = f"; {_median(times) / floor:.1f}× floor" if floor else ""
    return Row(test, label, times, note=f"HTTP {status}; {_queries(client, path)} queries{ratio}; target {target}")


def t2(reps: int) -> list:
    from viewflow.workflow.models import Task

    rows = []
    people = personas()
    api = url_named("api-tasks")
    inbox = url_named("inbox", "rectif")
    for who in ("district inspector", "school staff", "city leader"):
        user = people[who]
        client = _client(user)
        rows += floor_rows(who, user, client, reps)
        api_times = None
        if api:
            row = page_row("T2", f"GET {api} · {who}", client, user, api, reps, "p95 ≤ 30", kind="api")
            api_times = row.values
            rows.append(row)
        else:
            rows.append(missing("T2", f"GET /api/v1/tasks/ · {who}", "api-tasks URL"))
        if inbox:
            rows.append(page_row("T2", f"GET {inbox} · {who}", client, user, inbox, reps, "p95 ≤ 30"))
        else:
            rows.append(missing("T2", f"inbox page · {who}", "rectification flow inbox URL"))
        rows += shell_pages(who, user, client, reps)
        stock = [timed(lambda: list(Task.objects.user_queue(user))) for _ in range(reps)]
        rows.append(Row("T2", f"stock Task.objects.user_queue · {who}", stock, note="list(); all flows"))
        if api_times:
            ratio = sorted(stock)[len(stock) // 2] / sorted(api_times)[len(api_times) // 2]
            rows.append(Row("T2", f"ratio stock queue / API · {who}", [ratio], "×", "target ≥ 5"))
    return rows


def shell_pages(who, user, client, reps) -> list:
    """Home/workspace, order list, one order's page, notifications (page and API), each against its floor."""
    from inspections.orders.selectors import orders_visible_to

    order = orders_visible_to(user).exclude(status="closed").order_by("-pk").first()
    pages = [("home", "/dudao/", "page"), ("order list", "/orders/", "page"),
             ("notifications", "/notifications/", "page"), ("notifications API", "/api/v1/notifications/", "api")]
    if order is not None:
        pages.insert(2, ("order page", f"/orders/{order.pk}/", "page"))
    return [page_row("T2", f"{label} · {who}", client, user, path, reps, "p95 ≤ 30; ≤ 3× floor", kind=kind)
            for label, path, kind in pages]


def t3(reps: int) -> list:
    rows = []
    people = personas()
    ledger_page, ledger_api, dashboard = url_named("ledger", "reports"), url_named("api-ledger"), url_named(
        "dashboard", "reports")
    for who in ("city leader", "district leader", "district inspector"):
        user = people[who]
        client = _client(user)
        if (user.pk, "page") not in _FLOORS:
            rows += floor_rows(who, user, client, reps)
        for label, path, target in (("ledger page", ledger_page, "p95 ≤ 50"),
                                    ("ledger page ?status=rectifying", ledger_page and ledger_page + "?status=rectifying", "p95 ≤ 50"),
                                    ("ledger API", ledger_api, "p95 ≤ 50"),
                                    ("ledger API ?status=closed&severity=major", ledger_api and ledger_api + "?status=closed&severity=major", "p95 ≤ 50"),
                                    ("dashboard", dashboard, "p95 ≤ 300")):
            if who == "district inspector" and label == "dashboard":
                continue
            if not path:
                rows.append(missing("T3", f"{label} · {who}", label))
                continue
            rows.append(page_row("T3", f"{label} · {who}", client, user, path, reps, target,
                                 kind="api" if "/api/" in path else "page"))
        if ledger_api:
            deep = _deep_cursor(client, ledger_api, pages=20)
            if deep:
                times, status = _measure_get(client, deep, reps)
                rows.append(Row("T3", f"ledger API page 21 (keyset) · {who}", times, note=f"HTTP {status}"))
    return rows


def _deep_cursor(client, path, pages):
    """Follow `next` links to a deep page; keyset pagination should cost the same there."""
    url = path
    for _ in range(pages):
        response = client.get(url)
        if response.status_code != 200:
            return None
        nxt = response.json().get("next")
        if not nxt:
            return url
        url = nxt.split("127.0.0.1", 1)[-1].split("testserver", 1)[-1]
    return url
