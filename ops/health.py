"""/healthz and /readyz: JSON probes for load balancers and monitoring, answered before sessions and auth.

Our own small module rather than django-health-check: the checks Dudao needs are four short functions
(the database, Redis when REDIS_URL is set, the scheduler's heartbeat, migrations applied), and two of them
are ours whatever library runs them; the library would add its own apps, templates and content negotiation
(HTML unless asked for JSON) for the other two, while a probe here must answer JSON, 200 or 503, with no
session, no login redirect and no audit row (see ops.middleware.OpsEndpointsMiddleware).

/healthz says only that the process answers (no database: a database outage must not make an
orchestrator restart every web worker). /readyz says whether this worker can serve.
"""
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import JsonResponse
from django.utils import timezone

from .heartbeat import last_beat

# A process that once saw every migration applied keeps seeing it until a deploy restarts it; loading the
# migration graph costs tens of milliseconds, so a positive answer is reused for this long.
MIGRATIONS_RECHECK_SECONDS = 60.0
_migrations_ok_at = 0.0
_redis_client = None


def check_database() -> dict:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def check_redis() -> dict:
    global _redis_client
    import redis

    if _redis_client is None:  # one pool per process; short time-outs so a hung Redis fails the probe
        _redis_client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    return {"ok": bool(_redis_client.ping())}


def check_migrations() -> dict:
    global _migrations_ok_at
    if time.monotonic() - _migrations_ok_at < MIGRATIONS_RECHECK_SECONDS:
        return {"ok": True, "pending": 0}
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not pending:
        _migrations_ok_at = time.monotonic()
    return {"ok": not pending, "pending": len(pending)}


def check_scheduler() -> dict:
    """The newest heartbeat of `run_timers` on any machine; too old (or none) means timers are not firing."""
    beat = last_beat()
    max_age = settings.SCHEDULER_HEARTBEAT_MAX_AGE
    if beat is None:
        return {"ok": False, "age_seconds": None, "max_age_seconds": max_age}
    age = (timezone.now() - beat).total_seconds()
    return {"ok": age <= max_age, "age_seconds": round(age, 1), "max_age_seconds": max_age}


def readiness_checks() -> dict:
    checks = {"database": check_database, "migrations": check_migrations, "scheduler": check_scheduler}
    if settings.REDIS_URL:
        checks["redis"] = check_redis
    return checks


def run_check(check) -> dict:
    """One check with its time; any exception is a failed check (its type only: the probe is anonymous)."""
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # noqa: BLE001 -- a probe reports every failure, it never raises
        result = {"ok": False, "error": type(exc).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _answer(payload: dict, ok: bool) -> JsonResponse:
    response = JsonResponse({"status": "ok" if ok else "fail", **payload}, status=200 if ok else 503)
    response["Cache-Control"] = "no-store"  # a proxy must never answer a probe from its cache
    return response


def healthz(request) -> JsonResponse:
    return _answer({}, True)


def readyz(request) -> JsonResponse:
    results = {name: run_check(check) for name, check in readiness_checks().items()}
    # The scheduler is reported always but may be left out of the verdict (READYZ_REQUIRES_SCHEDULER=false):
    # where the load balancer acts on /readyz, a stopped scheduler should alert, not take every worker out.
    counted = [r["ok"] for name, r in results.items() if name != "scheduler" or settings.READYZ_REQUIRES_SCHEDULER]
    return _answer({"checks": results}, all(counted))
