"""/healthz and /readyz: JSON, 200/503, no session, no login redirect, no audit row, the scheduler's heartbeat."""
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from inspections.models import AuditEvent
from ops import health
from ops.heartbeat import Beater
from ops.models import Heartbeat

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fresh_beat(db):
    Beater().beat()


def test_healthz_answers_without_database_session_or_host_check(client, settings):
    """No `db` fixture: pytest-django fails any database access, so this also shows /healthz makes none."""
    settings.DEMO, settings.DEBUG, settings.SECURE_SSL_REDIRECT = False, False, True  # production middleware path
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8301")  # a load balancer's probe: no allowed host
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok"}
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies, "a probe never gets a session or CSRF cookie"
    assert len(response["X-Request-ID"]) == 32


def test_readyz_ok_with_database_migrations_and_a_fresh_heartbeat(client, fresh_beat, settings):
    health._migrations_ok_at = 0.0  # check the migrations for real, not from the process's memory
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"] == {**body["checks"]["migrations"],
                                                                                   "ok": True, "pending": 0}
    assert body["checks"]["scheduler"]["ok"] and body["checks"]["scheduler"]["age_seconds"] < 5
    assert ("redis" in body["checks"]) == bool(settings.REDIS_URL)
    if settings.REDIS_URL:
        assert body["checks"]["redis"]["ok"]
    assert response["Cache-Control"] == "no-store" and not response.cookies


def test_readyz_fails_without_a_scheduler_heartbeat(client, db):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["scheduler"] == {**body["checks"]["scheduler"], "ok": False, "age_seconds": None}
    assert body["checks"]["database"]["ok"]


def test_readyz_fails_on_a_stale_heartbeat_and_can_leave_the_scheduler_out(client, fresh_beat, settings):
    Heartbeat.objects.update(beat_at=timezone.now() - timedelta(seconds=settings.SCHEDULER_HEARTBEAT_MAX_AGE + 5))
    stale = client.get("/readyz")
    assert stale.status_code == 503 and stale.json()["checks"]["scheduler"]["ok"] is False
    settings.READYZ_REQUIRES_SCHEDULER = False
    reported = client.get("/readyz")
    assert reported.status_code == 200, "the scheduler is reported, not counted"
    assert reported.json()["checks"]["scheduler"]["ok"] is False


def test_readyz_reports_a_broken_database_as_503(client, fresh_beat, monkeypatch):
    def broken():
        raise ConnectionRefusedError("database down")

    monkeypatch.setattr(health, "check_database", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {**response.json()["checks"]["database"],
                                                     "ok": False, "error": "ConnectionRefusedError"}
    assert "database down" not in response.content.decode(), "an anonymous probe gets the type, not the message"


def test_probes_refuse_writes_and_leave_no_audit_row(client, fresh_beat, settings):
    settings.DEMO = False
    before = AuditEvent.objects.count()
    assert client.post("/readyz").status_code == 405
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    assert client.get("/healthz/").status_code == 200
    assert AuditEvent.objects.count() == before, "probes and a refused scrape are not audited"


def test_run_timers_writes_the_heartbeat(db):
    call_command("run_timers", "--once")
    call_command("run_timers", "--once")  # a second process (same pid here): the row is updated, not added
    beat = Heartbeat.objects.get()
    assert beat.process == "scheduler" and beat.pid == os.getpid()
    assert (timezone.now() - beat.beat_at).total_seconds() < 5
    assert health.check_scheduler()["ok"]


@pytest.mark.parametrize("env,message", [
    ({"SCHEDULER_HEARTBEAT_MAX_AGE": "5"}, "SCHEDULER_HEARTBEAT_MAX_AGE='5' must be at least 10"),
    ({"READYZ_REQUIRES_SCHEDULER": "maybe"}, "READYZ_REQUIRES_SCHEDULER='maybe' is not a boolean"),
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT='xml': use one of json, line"),
])
def test_ops_settings_are_parsed_strictly(env, message):
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, "DUDAO_DEMO": "1", **env},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and message in result.stderr, result.stderr[-500:]
