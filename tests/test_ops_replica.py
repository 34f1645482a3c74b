"""Statistics from a real streaming replica, made in the test and thrown away afterwards (even when it fails).

A second primary (`initdb`, 127.0.0.1:5441) gets a copy of the test database (pg_dump), and a hot standby
(`pg_basebackup -R` from it, 127.0.0.1:5440) streams from it (two ports higher per further xdist worker). The test points `default` at that primary and
adds the `replica` alias as DATABASE_REPLICA_URL makes it. Replicating the tests' own server instead would copy
everything on it (other projects' data too: 5 GB here once) and need a replication line in its pg_hba.conf.

A write on the primary appears on the replica; the dashboard and the ledger read their figures there (queries on
the replica's connection, none of them on the primary), writes never go there (a standby refuses them, so an
export that wrote there would fail); when replay is paused the dashboard shows the replica's older figures and
says how fresh they are, in Chinese and English. PostgreSQL only (skipped on SQLite).
"""
import glob
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inspections.models import ExportJob, RectificationOrder
from ops.metrics import exposition
from ops.replica import REPLICA

from .orders_helpers import issue

pytestmark = [
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"),
    pytest.mark.xdist_group("replica-cluster"),
    pytest.mark.django_db(transaction=True, databases=["default", REPLICA]),
]
# One pair of clusters per pytest-xdist worker (ports 5440-5449: five workers), should two workers ever run these.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_BASE = 5440 + 2 * (int(_WORKER[2:]) if _WORKER[2:].isdigit() else 0)
ROOT = Path("/tmp/h17") / _WORKER
PRIMARY, STANDBY = (ROOT / "primary", _BASE + 1), (ROOT / "standby", _BASE)


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))[-1:] or [shutil.which(name)]
    if not found[0]:
        pytest.skip(f"needs PostgreSQL's {name} (Debian: postgresql)")
    return found[0]


def _as_server_user(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: the clusters belong to the local server's own user."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _run(argv, **kw):
    done = subprocess.run(_as_server_user(argv), check=False, capture_output=True, text=True, timeout=60, cwd="/", **kw)
    assert done.returncode == 0, f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-2000:]}"
    return done


def _start(cluster):
    data, port = cluster
    # On the command line: stronger than the configuration files the cluster was copied with.
    options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={data} -c fsync=off"
    _run([_bin("pg_ctl"), "-D", str(data), "-w", "-t", "30", "-l", str(data / "server.log"), "-o", options, "start"])


def _stop(cluster):
    data, _port = cluster
    if (data / "postmaster.pid").exists():
        subprocess.run(_as_server_user([_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                       check=False, capture_output=True, timeout=30)  # already stopped is fine
    shutil.rmtree(data, ignore_errors=True)


def _copy_test_database(db):
    """The test database (migrated, as the suite made it) onto the second primary."""
    name, source = db["NAME"], ["-h", db["HOST"], "-p", str(db["PORT"] or 5432), "-U", db["USER"]]
    _run([_bin("createdb"), "-h", "127.0.0.1", "-p", str(PRIMARY[1]), "-U", "postgres", name])
    dump = subprocess.run([_bin("pg_dump"), *source, "--no-owner", name], check=True, capture_output=True,
                          timeout=60, env={**os.environ, "PGPASSWORD": db["PASSWORD"]}).stdout
    _run([_bin("psql"), "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(PRIMARY[1]), "-U", "postgres",
          "-d", name], input=dump.decode())


@pytest.fixture(scope="module")
def clusters(django_db_setup):
    """The second primary with the test database, and its streaming hot standby; both deleted afterwards."""
    if STANDBY[1] > 5448:
        pytest.skip("more pytest-xdist workers than replica ports (5440-5449)")
    ROOT.mkdir(parents=True, exist_ok=True)
    ROOT.chmod(0o777)  # the server's user makes the clusters under it
    _stop(STANDBY), _stop(PRIMARY)  # clusters left by a run that was killed
    try:
        # initdb's pg_hba.conf trusts local and 127.0.0.1 connections, replication included; wal_level=replica.
        _run([_bin("initdb"), "-D", str(PRIMARY[0]), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        _start(PRIMARY)
        _copy_test_database(settings.DATABASES["default"])
        _run([_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(PRIMARY[1]), "-U", "postgres", "-D", str(STANDBY[0]),
              "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"])
        _start(STANDBY)
        yield
    finally:
        _stop(STANDBY), _stop(PRIMARY)


def _point(alias, port):
    """Reconnect `alias` to another port (its connection and pool closed first)."""
    connection = connections[alias]
    connection.close()
    if hasattr(connection, "close_pool"):
        connection.close_pool()
    connection.settings_dict["PORT"] = str(port)


@pytest.fixture(scope="module")
def replica(clusters):
    """`default` on the second primary and the `replica` alias on its standby, as DATABASE_REPLICA_URL makes it
    (a test mirror of default: never created or flushed by the test machinery). Module-scoped, so that it is in
    place before each test's database setup, which then flushes the second primary after each test."""
    home = connections["default"].settings_dict["PORT"]
    _point("default", PRIMARY[1])
    entry = {**connections["default"].settings_dict, "PORT": str(STANDBY[1]), "TEST": {"MIRROR": "default"}}
    entry["OPTIONS"] = {k: v for k, v in entry["OPTIONS"].items() if k != "pool"}
    connections.settings[REPLICA] = entry  # the same dict as settings.DATABASES
    try:
        yield connections[REPLICA]
    finally:
        try:
            connections[REPLICA].close()
            del connections.settings[REPLICA]
        finally:
            _point("default", home)


@pytest.fixture
def replay_resumed(replica):
    yield
    _sql(REPLICA, "SELECT pg_wal_replay_resume()")  # a failed test leaves no paused standby to the next


def _sql(alias, sql):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def _until(check, what, timeout=20):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting: {what}"
        time.sleep(0.05)


def _on_replica(order) -> bool:
    return RectificationOrder.objects.using(REPLICA).filter(pk=order.pk).exists()


def _tables(queries) -> str:
    return " ".join(q["sql"] for q in queries)


def test_statistics_are_read_from_the_replica_and_writes_never_go_there(replica, people, tree):
    order = issue(people, tree)
    _until(lambda: _on_replica(order), "the order written on the primary reaches the replica")
    client = Client()
    client.force_login(people.district_leader)
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:
        board = client.get("/reports/")
        ledger = client.get("/reports/ledger/")
    assert board.status_code == ledger.status_code == 200
    assert board.context["board"].orders["total"] == 1 and order.number in ledger.content.decode()
    assert "COUNT(" in _tables(on_replica) and "inspections_rectificationorder" in _tables(on_replica)
    assert "inspections_rectificationorder" not in _tables(on_primary)  # the primary only served the session
    assert b"data-freshness" not in board.content  # caught up: nothing to say
    with CaptureQueriesContext(replica) as on_replica:
        export = client.post("/reports/exports/", {})  # small: written at once, inside the request
    job = ExportJob.objects.get()  # on the primary
    assert export.status_code == 302 and job.status == ExportJob.Status.DONE and job.total == 1
    assert "inspections_finding" in _tables(on_replica)
    assert not any(q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for q in on_replica)


def _paused(replica) -> bool:
    return _sql(REPLICA, "SELECT pg_get_wal_replay_pause_state()")[0] == "paused"


def _behind(replica) -> bool:
    return _sql(REPLICA, "SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()")[0]


def test_a_lagging_replica_shows_its_older_figures_and_says_how_fresh_they_are(replica, replay_resumed, people, tree,
                                                                             settings):
    settings.REPLICA_LAG_NOTICE_SECONDS = 0  # any lag at all is shown (the default waits for a minute's lag)
    first = issue(people, tree)
    _until(lambda: _on_replica(first), "the first order reaches the replica")
    _sql(REPLICA, "SELECT pg_wal_replay_pause()")
    _until(lambda: _paused(replica), "replay paused")
    replayed_at = timezone.localtime(_sql(REPLICA, "SELECT pg_last_xact_replay_timestamp()")[0])
    issue(people, tree, school=tree.school_a2)
    _until(lambda: _behind(replica), "the second order received but not replayed")
    client = Client()
    client.force_login(people.district_leader)
    lagging = client.get("/reports/")
    assert lagging.context["board"].orders["total"] == 1  # the replica's figures, without the second order
    assert f"数据更新于 {replayed_at:%H:%M}，最近的变动稍后显示。" in lagging.content.decode()
    client.cookies["django_language"] = "en"
    assert f"Figures as of {replayed_at:%H:%M}" in client.get("/reports/").content.decode()
    metrics = exposition().decode()
    assert "dudao_replica_up 1.0" in metrics and "dudao_replica_lag_seconds 0.0" not in metrics
    _sql(REPLICA, "SELECT pg_wal_replay_resume()")
    _until(lambda: not _behind(replica), "replay caught up")
    caught_up = client.get("/reports/")
    assert caught_up.context["board"].orders["total"] == 2 and b"data-freshness" not in caught_up.content
    assert "dudao_replica_lag_seconds 0.0" in exposition().decode()
