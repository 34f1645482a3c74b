"""The ops variables (object storage, read replica, SMTP) are parsed strictly at start, in a fresh interpreter:
a typo stops the process with a message naming the variable; good values reach the settings."""
import json
import subprocess
import sys

import pytest

from .test_settings import ROOT, _start

PRINT = ("import django, json, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
         "from django.conf import settings as s;"
         "print(json.dumps({'storage': s.STORAGES['default'], 'dbs': sorted(s.DATABASES),"
         " 'replica': s.DATABASES.get('replica', {}).get('PORT'), 'routers': s.DATABASE_ROUTERS,"
         " 'mail': [s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.EMAIL_TIMEOUT]}))")


@pytest.mark.parametrize(("env", "message"), [
    ({"MEDIA_STORAGE_URL": "s3://bucket"}, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be too"),
    ({"MEDIA_STORAGE_URL": "s3://key:secret@bucket"}, "must not carry credentials"),
    ({"DATABASE_REPLICA_URL": "postgres://db2:5432/dudao"}, "DATABASE_REPLICA_URL needs DATABASE_URL"),
    ({"DATABASE_URL": "postgres://db:5432/dudao", "DATABASE_REPLICA_URL": "mysql://db2/dudao"},
     "DATABASE_REPLICA_URL must start with postgres://"),
    ({"EMAIL_HOST": "smtp://mail.example.gov.cn"}, "EMAIL_HOST='smtp://mail.example.gov.cn' is not a host name"),
    ({"EMAIL_PORT": "65536"}, "EMAIL_PORT=65536 is not a TCP port"),
    ({"EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"}, "EMAIL_USE_TLS and EMAIL_USE_SSL are both on"),
])
def test_a_bad_ops_variable_stops_the_start_naming_it(env, message):
    result = _start(DUDAO_DEMO="1", **env)
    assert result.returncode != 0 and message in result.stderr, result.stderr[-800:]


def test_good_ops_variables_reach_the_settings():
    env = {"DUDAO_DEMO": "1", "DATABASE_URL": "postgres://u@db:5432/dudao",
           "DATABASE_REPLICA_URL": "postgres://u@db2:5433/dudao", "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s",
           "MEDIA_STORAGE_URL": "s3://dudao-media?endpoint=https://minio.intranet:9000&region=cn-east-1",
           "EMAIL_HOST": "smtp.jn.gov.cn", "EMAIL_PORT": "465", "EMAIL_USE_SSL": "yes"}
    clean = {k: v for k, v in __import__("os").environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    out = subprocess.run([sys.executable, "-c", PRINT], cwd=ROOT, env={**clean, **env}, capture_output=True, check=False,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert got["storage"]["OPTIONS"]["endpoint_url"] == "https://minio.intranet:9000"
    assert "k" not in got["storage"]["OPTIONS"].values() and "s" not in got["storage"]["OPTIONS"].values()
    assert (got["dbs"], got["replica"], got["routers"]) == (["default", "replica"], "5433", ["ops.replica.StatisticsRouter"])
    assert got["mail"] == ["smtp.jn.gov.cn", 465, False, True, 20]


def _template(*, optional: bool) -> dict:
    """deploy/dudao.env.example as systemd reads it; with `optional`, the commented-out settings too."""
    env = {}
    for line in (ROOT / "deploy/dudao.env.example").read_text().splitlines():
        line = line.removeprefix("# ") if optional and "=" in line.split("#")[-1] else line
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key] = value.split("  #")[0].strip()
    return env


@pytest.mark.parametrize("optional", [False, True])
def test_the_env_template_starts_as_written_and_with_its_options(optional):
    env = _template(optional=optional)
    if optional:
        assert {"MEDIA_STORAGE_URL", "DATABASE_REPLICA_URL", "EMAIL_HOST_USER", "EMAIL_USE_TLS"} <= set(env)
    result = _start(**env)
    assert result.returncode == 0, result.stderr[-800:]
