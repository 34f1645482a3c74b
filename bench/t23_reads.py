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


def t2(reps: int) -> list:
    from viewflow.workflow.models import Task

    rows = []
    people = personas()
    api = url_named("api-tasks")
    inbox = url_named("inbox", "rectif")
    for who in ("district inspector", "school staff", "city leader"):
        user = people[who]
        client = _client(user)
        api_times = None
        if api:
            api_times, status = _measure_get(client, api, reps)
            rows.append(Row("T2", f"GET {api} · {who}", api_times, note=f"HTTP {status}; target p95 ≤ 30"))
        else:
            rows.append(missing("T2", f"GET /api/v1/tasks/ · {who}", "api-tasks URL"))
        if inbox:
            times, status = _measure_get(client, inbox, reps)
            rows.append(Row("T2", f"GET {inbox} · {who}", times, note=f"HTTP {status}; target p95 ≤ 30"))
        else:
            rows.append(missing("T2", f"inbox page · {who}", "rectification flow inbox URL"))
        stock = [timed(lambda: list(Task.objects.user_queue(user))) for _ in range(reps)]
        rows.append(Row("T2", f"stock Task.objects.user_queue · {who}", stock, note="list(); all flows"))
        if api_times:
            ratio = sorted(stock)[len(stock) // 2] / sorted(api_times)[len(api_times) // 2]
            rows.append(Row("T2", f"ratio stock queue / API · {who}", [ratio], "×", "target ≥ 5"))
    return rows


def t3(reps: int) -> list:
    rows = []
    people = personas()
    ledger_page, ledger_api, dashboard = url_named("ledger", "reports"), url_named("api-ledger"), url_named(
        "dashboard", "reports")
    for who in ("city leader", "district leader", "district inspector"):
        client = _client(people[who])
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
            times, status = _measure_get(client, path, reps)
            rows.append(Row("T3", f"{label} · {who}", times, note=f"HTTP {status}; target {target}"))
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
