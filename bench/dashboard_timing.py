"""Time the dashboard selector: query count and median wall time of several runs.

    DATABASE_URL=... .venv/bin/python bench/dashboard_timing.py [username] [runs]
"""
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DUDAO_DEMO", "1")
import django  # noqa: E402

django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from inspections.reports.ledger import LedgerFilter, ledger_page  # noqa: E402
from inspections.models import RectificationOrder  # noqa: E402
from inspections.reports.stats import StatsFilter, dashboard  # noqa: E402


def measure(fn, runs):
    fn()
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return len(ctx.captured_queries), statistics.median(times)


if __name__ == "__main__":
    username = sys.argv[1] if len(sys.argv) > 1 else "jn_leader"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    user = get_user_model().objects.get(username=username)
    print(f"orders in db: {RectificationOrder.objects.count()}  user: {username}")
    q, t = measure(lambda: dashboard(user, StatsFilter()), runs)
    print(f"dashboard: {q} queries, median {t * 1000:.0f} ms over {runs} runs")
    page = ledger_page(user, LedgerFilter())
    q, t = measure(lambda: ledger_page(user, LedgerFilter(), page.next_cursor), runs)
    print(f"ledger page 2: {q} queries, median {t * 1000:.1f} ms")
