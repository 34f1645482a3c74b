"""Test settings: the real settings, with demo mode so no SECRET_KEY is needed."""
import os

os.environ.setdefault("DUDAO_DEMO", "1")

# Each pytest-xdist worker (gw0, gw1, ...) gets its own Redis key prefix, so that workers sharing one Redis
# never see each other's channel groups or cache keys. Set in the environment, not only here, so that the
# servers and scripts a test starts as subprocesses (config.settings reads REDIS_PREFIX) use the same one.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_PREFIX = os.environ.get("REDIS_PREFIX", "dudao_test")
if _WORKER and not _PREFIX.endswith(f"_{_WORKER}"):
    _PREFIX = f"{_PREFIX}_{_WORKER}"
os.environ["REDIS_PREFIX"] = _PREFIX

from .settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / "test-artifacts" / "media"  # noqa: F405
STORAGES = {  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# SQLite: the test database is a FILE, never Django's default shared in-memory database. With an
# in-memory database, live_server threads and the test thread share one sqlite3 connection, and two
# threads on one connection once deadlocked holding the GIL (one in sqlite3_step, one in bind_param).
# On a file every thread has its own connection. pytest-django appends the xdist worker (…_gw0).
# WAL lets the live server read while the test writes; no fsync for a database that is thrown away.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    (BASE_DIR / "test-artifacts").mkdir(exist_ok=True)  # noqa: F405
    # One file per pytest process: two runs in one checkout must not share (and corrupt) a test database.
    _DB_FILE = os.environ.setdefault("DUDAO_TEST_DB", str(BASE_DIR / "test-artifacts" / f"test-db-{os.getpid()}.sqlite3"))  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": _DB_FILE}  # noqa: F405
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"  # noqa: F405
