"""The restore drill: back up a demo database with an issued order, restore it into a
fresh database, and show that the app checks pass and the flow continues there.

PostgreSQL only (the scripts use pg_dump/pg_restore). The drill never touches
pytest-django's test database: it creates its own two databases, named after
DATABASE_URL's database and this process id so parallel CI runs do not clash,
drives them through `manage.py` subprocesses and drops them at the end.
"""
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

PROJECT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("DATABASE_URL", "")
on_postgresql = pytest.mark.skipif(not DATABASE_URL, reason="backup and restore need PostgreSQL (DATABASE_URL)")

# The demo world: an inspector of 济南市区 (JN-CQ) and the leader of one of its schools.
ISSUE_ORDER = """
import json
from django.contrib.auth import get_user_model
from inspections.orders import services as orders
from organizations.models import Organization
users = get_user_model().objects
school = Organization.objects.get(code="S-CQZZ")
inspector = users.get(username="cq_inspector")
finding = orders.finding_create(school=school, description="消防通道堵塞", severity="general", found_by=inspector)
order = orders.order_issue(school=school, findings=[finding], issued_by=inspector)
print("RESULT " + json.dumps({"number": order.number, "status": order.status}))
"""

SIGN_RESTORED_ORDER = """
import json
from django.contrib.auth import get_user_model
from inspections.orders import services as orders
from inspections.models import AuditEvent, RectificationOrder
order = RectificationOrder.objects.get(number=NUMBER)
audited = sorted(AuditEvent.objects.filter(order=order).values_list("action", flat=True))
before = order.status
orders.order_sign(order=order, user=get_user_model().objects.get(username="cqzz_leader"))
order.refresh_from_db()
print("RESULT " + json.dumps({"audited": audited, "before": before, "after": order.status,
                              "signed_by": order.signed_by.username}))
"""


def _database_url(name: str) -> str:
    parts = urlsplit(DATABASE_URL)
    return urlunsplit(parts._replace(path="/" + name))


def _admin_connection():
    import psycopg

    return psycopg.connect(_database_url("postgres"), autocommit=True, connect_timeout=10)


def _drop(name: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def drill_databases():
    """Two scratch database names (source, restore target); both dropped afterwards, even on failure."""
    base = urlsplit(DATABASE_URL).path.lstrip("/")[:40]
    names = (f"{base}_src_{os.getpid()}", f"{base}_restore_{os.getpid()}")
    for name in names:
        _drop(name)  # a crashed earlier run with the same pid must not poison this one
    with _admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{names[0]}"')
    try:
        yield names
    finally:
        for name in names:
            _drop(name)


def _env(database_url: str | None, media_root: Path) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DUDAO_DEMO": "1",
           "MEDIA_ROOT": str(media_root)}
    env.pop("REDIS_URL", None)  # the drill is about the database; keep it off the shared Redis
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _run(args, env, *, check=True, timeout=40) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        pytest.fail(f"{args[:3]} exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done


def _manage(database_url, media_root, *args) -> str:
    return _run([sys.executable, "manage.py", *args], _env(database_url, media_root)).stdout


def _result(stdout: str) -> dict:
    line = next(line for line in stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def test_backup_refuses_without_a_postgres_database_url(tmp_path):
    unset = _run(["bash", "scripts/backup.sh", str(tmp_path)], _env(None, tmp_path), check=False)
    sqlite = _run(["bash", "scripts/backup.sh", str(tmp_path)],
                  _env("sqlite:///db.sqlite3", tmp_path), check=False)
    assert unset.returncode == 2 and "DATABASE_URL is not set" in unset.stderr
    assert sqlite.returncode == 2 and "not a PostgreSQL URL" in sqlite.stderr
    assert list(tmp_path.iterdir()) == []


def _make_source(src_url: str, media: Path) -> dict:
    (media / "evidence").mkdir(parents=True)
    (media / "evidence" / "photo.jpg").write_bytes(b"\xff\xd8 not really a jpeg \xff\xd9")
    _manage(src_url, media, "migrate", "--noinput", "-v", "0")
    _manage(src_url, media, "load_demo")
    return _result(_manage(src_url, media, "shell", "-c", ISSUE_ORDER))


def _restore(backup: str, dst_url: str, media: Path, *flags) -> subprocess.CompletedProcess:
    return _run(["bash", "scripts/restore.sh", *flags, backup, dst_url, str(media)], _env(None, media), check=False)


def _audit_delete_is_refused(dst_url: str) -> bool:
    import psycopg

    with psycopg.connect(dst_url, autocommit=True, connect_timeout=10) as conn:
        try:
            conn.execute("DELETE FROM inspections_auditevent")
        except psycopg.errors.InsufficientPrivilege:
            return True
    return False


@on_postgresql
@pytest.mark.postgres
@pytest.mark.timeout(90)
def test_restore_drill_brings_back_orders_audit_media_and_the_flow_continues(drill_databases, tmp_path):
    src, dst = drill_databases
    src_url, dst_url = _database_url(src), _database_url(dst)
    media, restored_media = tmp_path / "media", tmp_path / "restored-media"
    issued = _make_source(src_url, media)

    backup_env = _env(src_url, media)
    backup = _run(["bash", "scripts/backup.sh", str(tmp_path / "backups")], backup_env).stdout.splitlines()[-1]
    assert sorted(p.name for p in Path(backup).iterdir()) == ["MANIFEST", "SHA256SUMS", "db.dump", "media.tar.gz"]

    assert _restore(backup, dst_url, restored_media).returncode == 0
    refused = _restore(backup, dst_url, restored_media)
    assert refused.returncode == 2 and "refusing to restore over it without --force" in refused.stderr
    # --force runs pg_restore --clean over the audit table: DROP passes the append-only trigger.
    forced = _restore(backup, dst_url, restored_media, "--force")
    assert forced.returncode == 0, forced.stderr
    assert (restored_media / "evidence" / "photo.jpg").read_bytes() == (media / "evidence" / "photo.jpg").read_bytes()
    assert _audit_delete_is_refused(dst_url)

    _manage(dst_url, restored_media, "check")
    _manage(dst_url, restored_media, "migrate", "--check")
    signed = _result(_manage(dst_url, restored_media, "shell", "-c",
                             SIGN_RESTORED_ORDER.replace("NUMBER", json.dumps(issued["number"]))))
    assert issued["status"] == signed["before"] == "issued"
    assert signed["after"] == "rectifying" and signed["signed_by"] == "cqzz_leader"
    assert "order.issued" in signed["audited"]
