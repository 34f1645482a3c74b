"""T5: 200 simulated users with locust (headless, bounded in time) against 2 loopback daphne processes.

The plan (tokens, sessions, checked-in visits, orders waiting for a report) is made
here through the real services, then written to a JSON file for bench/locustfile.py.
"""
import csv
import importlib.util
import json
import os
import subprocess
import tempfile

from bench.common import ROOT, Row
from bench.servers import start_daphne, stop

PEOPLE_PER_KIND = 40


def _token(user) -> str:
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()           # a fresh token: the bench must not hit the TTL
    return Token.objects.create(user=user).key


def _session(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY], store[BACKEND_SESSION_KEY] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _inspectors():
    """Each inspector leads a visit checked in today at a school of their district (real services)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from inspections.visits import services as svc
    from organizations.models import Organization

    out = []
    users = get_user_model().objects.filter(memberships__role="inspector",
                                            memberships__organization__kind="district").order_by("pk")
    for user in users[:PEOPLE_PER_KIND]:
        district = user.memberships.get(role="inspector").organization
        school = Organization.objects.filter(parent=district, kind="school").order_by("?").first()
        if school is None:
            continue
        visit = svc.visit_plan(school=school, planned_date=timezone.localdate(), lead=user, planned_by=user)
        svc.visit_check_in(visit=visit, user=user, geo_status="denied")
        out.append({"token": _token(user), "visit": visit.pk})
    return out


def _schools():
    from django.contrib.auth import get_user_model

    from viewflow.workflow.status import STATUS

    from inspections.models import RectificationOrder
    from workflows.rectification import RectificationFlow

    out = []
    # waiting for a report: not those rectifying under the city's supervision task
    waiting = RectificationOrder.objects.filter(process__task__flow_task=RectificationFlow.report,
                                                process__task__status=STATUS.NEW)
    school_ids = (waiting.order_by("school_id").values_list("school_id", flat=True).distinct()[:PEOPLE_PER_KIND])
    for school_id in school_ids:
        user = get_user_model().objects.filter(memberships__role="school_staff",
                                               memberships__organization_id=school_id).first()
        orders = list(waiting.filter(school_id=school_id).values_list("pk", flat=True)[:20])
        out.append({"token": _token(user), "orders": orders})
    return out


def _leaders():
    """Leaders in the proportion the province has them: 140 district to 16 city leaders, about 9 to 1.

    The first leaders by pk would be the province's and every city's, whose dashboards aggregate
    a whole province or city on each request: that is T3's figure, not a typical leader's day."""
    from django.contrib.auth import get_user_model

    leaders = get_user_model().objects.filter(memberships__role="leader").order_by("pk")
    city = PEOPLE_PER_KIND // 10
    users = (list(leaders.filter(memberships__organization__kind="district")[:PEOPLE_PER_KIND - city])
             + list(leaders.filter(memberships__organization__kind="city")[:city]))
    return [{"token": _token(u), "session": _session(u)} for u in users]


def run(*, users: int, seconds: int, database_url: str, redis_url: str, procs: int = 2) -> list:
    if importlib.util.find_spec("locust") is None:   # never import it here: it monkey-patches with gevent
        return [Row("T5", "-", note="n/a (missing: locust; pip install -r bench/requirements.txt)")]
    plan = {"inspectors": _inspectors(), "schools": _schools(), "leaders": _leaders()}
    servers = start_daphne(procs, database_url, redis_url, "t5")
    try:
        plan["ports"] = [port for _, port in servers]
        return _locust(plan, users, seconds)
    finally:
        stop(servers)


def _locust(plan, users, seconds) -> list:
    workdir = tempfile.mkdtemp(prefix="bench_t5_")
    plan_file = os.path.join(workdir, "plan.json")
    with open(plan_file, "w", encoding="utf-8") as fh:
        json.dump(plan, fh)
    cmd = [str(ROOT / ".venv/bin/locust"), "-f", str(ROOT / "bench/locustfile.py"), "--headless",
           "-u", str(users), "-r", str(max(1, users // 10)), "-t", f"{seconds}s", "--stop-timeout", "5",
           "--host", f"http://127.0.0.1:{plan['ports'][0]}", "--csv", os.path.join(workdir, "t5"), "--only-summary"]
    env = dict(os.environ, BENCH_T5_PLAN=plan_file)
    subprocess.run(cmd, cwd=ROOT, env=env, timeout=seconds + 120, capture_output=True)
    return _rows(os.path.join(workdir, "t5_stats.csv"), users, seconds)


def _rows(stats_csv, users, seconds) -> list:
    rows = []
    with open(stats_csv, encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            label = "all requests" if rec["Name"] == "Aggregated" else rec["Name"]
            count, fails = int(rec["Request Count"]), int(rec["Failure Count"])
            rows.append(Row("T5", f"{label} · {users} users {seconds}s", unit="ms",
                            given=(float(rec["50%"]), float(rec["95%"]), float(rec["99%"]), count),
                            note=f"{fails} errors, {float(rec['Requests/s']):.1f} req/s"
                            + ("; target p95 ≤ 200, 0 errors" if rec["Name"] == "Aggregated" else "")))
    return rows
