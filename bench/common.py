"""Shared pieces of bench/run: Django set-up, percentiles, the result table, personas."""
import contextlib
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(database_url: str, redis_url: str | None) -> None:
    os.environ["DATABASE_URL"] = database_url
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
        os.environ.setdefault("REDIS_PREFIX", "dudao_bench")
    os.environ.setdefault("DUDAO_DEMO", "1")
    os.environ.setdefault("DUDAO_BENCH_FLOOR", "1")  # bench/floor.py: the floor every page is compared with
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    if settings.BENCH_FLOOR:  # the site's URLs plus bench/floor.py's, in this process only (bench/urls.py)
        settings.ROOT_URLCONF = "bench.urls"


def pct(values, p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


@dataclass
class Row:
    test: str
    metric: str
    values: list = field(default_factory=list)
    unit: str = "ms"
    note: str = ""
    given: tuple | None = None    # (median, p95, p99, n) computed elsewhere, e.g. by locust

    def cells(self) -> list:
        if self.given:
            median, p95, p99, n = self.given
            return [self.test, self.metric, f"{median:.1f}", f"{p95:.1f}", f"{p99:.1f}", str(n), self.unit, self.note]
        if not self.values:
            return [self.test, self.metric, "", "", "", "", self.unit, self.note]
        v = self.values
        return [self.test, self.metric, f"{statistics.median(v):.1f}", f"{pct(v, 95):.1f}", f"{pct(v, 99):.1f}",
                str(len(v)), self.unit, self.note]


def missing(test: str, metric: str, what: str) -> Row:
    return Row(test, metric, note=f"n/a (missing: {what})")


def print_table(rows) -> None:
    head = ["test", "metric", "median", "p95", "p99", "n", "unit", "note"]
    table = [head] + [r.cells() for r in rows]
    widths = [max(len(str(line[i])) for line in table) for i in range(len(head))]
    for k, line in enumerate(table):
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip())
        if k == 0:
            print("  ".join("-" * w for w in widths))
    sys.stdout.flush()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def url_named(name: str, prefix_hint: str = "") -> str | None:
    """The path of the first URL pattern called `name` (under a prefix containing `prefix_hint`)."""
    from django.urls import get_resolver

    def walk(resolver, prefix):
        for pattern in resolver.url_patterns:
            path = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                found = walk(pattern, path)
                if found:
                    return found
            elif pattern.name == name and prefix_hint in path and "<" not in path:
                return "/" + path.lstrip("^").rstrip("$")
        return None

    return walk(get_resolver(), "")


def personas() -> dict:
    """The people T2/T3 read as: the busiest district's inspector, a busy school's staff, the city leader.

    The busiest *district*: an order issued by a city inspector (a school directly under the city)
    would otherwise make the "district" personas city staff."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    User = get_user_model()
    with connection.cursor() as cur:
        cur.execute("""
            SELECT o.issuer_id, o.school_id FROM inspections_rectificationorder o
            JOIN organizations_organization issuer ON issuer.id = o.issuer_id AND issuer.kind = 'district'
            WHERE o.status <> 'closed' GROUP BY o.issuer_id, o.school_id ORDER BY COUNT(*) DESC LIMIT 1""")
        issuer_id, school_id = cur.fetchone()
    by_role = {}
    for role, org in (("inspector", issuer_id), ("leader", issuer_id), ("school_staff", school_id),
                      ("school_leader", school_id)):
        by_role[role] = User.objects.filter(memberships__role=role, memberships__organization_id=org).order_by("pk").first()
    city_leader = User.objects.filter(memberships__role="leader", memberships__organization__kind="city").order_by("pk").first()
    return {"district inspector": by_role["inspector"], "school staff": by_role["school_staff"],
            "city leader": city_leader, "district leader": by_role["leader"], "school leader": by_role["school_leader"]}


@contextlib.contextmanager
def unpooled_for_fork():
    """Fork worker processes without the psycopg pool (config.settings' DATABASE_POOL_SIZE).

    A pool has threads and sockets; a child forked with them shares the sockets and can
    hang on locks those threads held. Children get plain connections (a worker keeps its
    one connection open: there is no request cycle to close it); the parent's pool comes
    back afterwards for the in-process tests.
    """
    from django.db import connection

    options = connection.settings_dict["OPTIONS"]
    connection.close()
    pool = options.get("pool") if connection.vendor == "postgresql" else None
    if pool is not None:
        connection.close_pool()
        del options["pool"]
    try:
        yield
    finally:
        if pool is not None:
            connection.close()
            options["pool"] = pool
