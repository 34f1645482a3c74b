"""Settings are parsed strictly at start; run each case in a fresh interpreter."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _start(**env):
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "DUDAO_DEMO", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60,
    )


def test_bad_database_url_fails_with_clear_message():
    result = _start(DUDAO_DEMO="1", DATABASE_URL="mysql://root@localhost/dudao")
    assert result.returncode != 0
    assert "DATABASE_URL must start with postgres://" in result.stderr


def test_database_url_without_name_fails():
    result = _start(DUDAO_DEMO="1", DATABASE_URL="postgres://postgres@127.0.0.1:5432/")
    assert result.returncode != 0
    assert "must name exactly one database" in result.stderr


def test_non_boolean_debug_fails_with_clear_message():
    result = _start(DEBUG="maybe", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_production_start_without_secret_key_refuses():
    result = _start(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_embedded_default_starts_with_demo_flag():
    result = _start(DUDAO_DEMO="1")
    assert result.returncode == 0, result.stderr


def test_database_and_redis_urls_switch_backends():
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
            "from django.conf import settings as s;"
            "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'],"
            " s.CHANNEL_LAYERS['default']['BACKEND'], s.CACHES['default']['BACKEND'])")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DUDAO_DEMO="1", DATABASE_URL="postgres://u:p@db:5432/dudao", REDIS_URL="redis://r:6379/1")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "django.db.backends.postgresql", "dudao",
        "channels_redis.pubsub.RedisPubSubChannelLayer", "django.core.cache.backends.redis.RedisCache",
    ]


def test_language_and_time_zone_defaults(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert "en" in dict(settings.LANGUAGES)
