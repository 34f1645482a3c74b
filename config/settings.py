"""Dudao settings: everything that varies comes from the environment.

With nothing set the app runs embedded (SQLite file, in-memory channel layer).
DATABASE_URL switches to PostgreSQL, REDIS_URL to the Redis channel layer and
cache. A production start (DEBUG off, DUDAO_DEMO off) needs SECRET_KEY.
"""
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import (check_redis_url, env_bool, env_choice, env_email_security, env_host, env_int, env_list,
                  env_networks, env_port, env_secret, env_str, parse_database_url, parse_media_storage_url)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
DEMO = env_bool("DUDAO_DEMO", False)
BENCH_FLOOR = env_bool("DUDAO_BENCH_FLOOR", False)  # bench/floor.py: the framework floor pages, bench/run only

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or DEMO):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. A production start (DEBUG not true, DUDAO_DEMO not set) "
            "needs a long random SECRET_KEY in the environment."
        )
    # Only for demo and development runs; never used when DEBUG and DUDAO_DEMO are off.
    SECRET_KEY = "dudao-insecure-demo-key-not-for-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if (DEBUG or DEMO) else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Origins besides the server's own (scheme://host[:port], exact) whose pages may open the websocket;
# checked in notifications/auth.py. A malformed entry stops the start rather than allow nothing or too much.
DUDAO_WS_ALLOWED_ORIGINS = env_list("DUDAO_WS_ALLOWED_ORIGINS", [])
_BAD_ORIGINS = [o for o in DUDAO_WS_ALLOWED_ORIGINS
                if not re.fullmatch(r"https?://(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:[0-9]{1,5})?", o, re.IGNORECASE)]
if _BAD_ORIGINS:
    raise ImproperlyConfigured(
        f"DUDAO_WS_ALLOWED_ORIGINS: {_BAD_ORIGINS!r} are not origins; write scheme://host[:port], "
        "e.g. https://dudao.example.gov.cn (no path, no trailing slash)."
    )

INSTALLED_APPS = [
    "daphne",
    "config.admin_site.OperatorAdminConfig",  # /admin/ for superusers only (config/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "viewflow",
    "viewflow.workflow",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_filters",
    "channels",
    "organizations",
    "workflows",
    "inspections",
    "notifications",
    "rollups",  # exact order counts for the dashboards, kept with each state change
    "programmes",
    "demo",  # manage.py load_demo: composes every app's demo data
    "selfchecks",  # 学校自查: self-inspection, its sign-off and the self-report agreement
    "webhooks",  # integrators' signed event webhooks (after notifications: it hears its emitted signal)
    "axes",
    "security",
    "ops",
]

MIDDLEWARE = [
    "ops.middleware.RequestIdMiddleware",  # first: X-Request-ID, timing, query count, the JSON access log
    "ops.middleware.OpsEndpointsMiddleware",  # /healthz /readyz /metrics: before host check, sessions, auth
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "security.middleware.SessionTouchMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "security.middleware.NoStoreMiddleware",
    "config.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "viewflow.middleware.SiteMiddleware",
    "config.middleware.ShellMiddleware",
    "viewflow.middleware.HotwireTurboMiddleware",
    "security.middleware.SecurityHeadersMiddleware",
    "security.input_guard.InputGuardMiddleware",  # hostile input (NUL, deep JSON) → 400; inside the headers
    "security.middleware.ApiJsonErrorsMiddleware",
    "security.middleware.RefusalAuditMiddleware",
    "security.middleware.PasswordChangeRequiredMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL")
# Connections per web process, kept open in a psycopg pool (0: open one per request, as Django does by
# default). Without a pool every request pays a PostgreSQL connect (~3-5 ms here, a fork on the server),
# and a burst of requests or websocket threads can exhaust max_connections ("too many clients").
DATABASE_POOL_SIZE = env_int("DATABASE_POOL_SIZE", 8)
if DATABASE_URL:
    DATABASES = {"default": parse_database_url(DATABASE_URL)}
    # Short OLTP queries: PostgreSQL's JIT spent ~30 ms compiling a dashboard aggregate that runs in less.
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
    if DATABASE_POOL_SIZE:
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": 1, "max_size": DATABASE_POOL_SIZE,
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 20, minimum=1),
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Statistics (dashboard, ledger, exports) read from a streaming replica when set; ops/replica.py routes them
# there and everything else (every write) to the primary. A lag of this many seconds is shown on the page.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    if not DATABASE_URL:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL: it is a replica of the PostgreSQL primary.")
    DATABASES["replica"] = parse_database_url(DATABASE_REPLICA_URL, "DATABASE_REPLICA_URL")
    # The primary's pool and options; a replica that is down costs a statistics page 3 s, then it is skipped.
    DATABASES["replica"]["OPTIONS"] = {**DATABASES["default"]["OPTIONS"], "connect_timeout": "3",
                                       **DATABASES["replica"]["OPTIONS"]}
    if "pool" in DATABASES["replica"]["OPTIONS"]:
        DATABASES["replica"]["OPTIONS"]["pool"] = {**DATABASES["replica"]["OPTIONS"]["pool"], "timeout": 3}
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["ops.replica.StatisticsRouter"]
REPLICA_LAG_NOTICE_SECONDS = env_int("REPLICA_LAG_NOTICE_SECONDS", 60)

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    check_redis_url(REDIS_URL)
    # Pub/sub, not the list-based layer: a group_send is one PUBLISH and each web process holds one
    # subscriber connection that Redis pushes to, where the list-based layer pays a BZPOPMIN round trip
    # per message per process (T4: a burst to 1,000 sockets took ~0.7 s median that way). Pub/sub
    # delivers at most once, to whoever is connected; nothing is lost, because every notification is
    # stored first and a reconnecting socket catches up from the database (notifications.consumers).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
                       "prefix": env_str("REDIS_PREFIX", "dudao")},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("REDIS_PREFIX", "dudao"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "security.backends.LockoutBackend",  # django-axes lockout; must come first
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Nobody anonymous may hold object permissions in Dudao.
ANONYMOUS_USER_NAME = None
GUARDIAN_RENDER_403 = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
if DEBUG or DEMO:  # served from the finders (WHITENOISE_USE_FINDERS); an empty root spares whitenoise's
    STATIC_ROOT.mkdir(exist_ok=True)  # "No directory at: staticfiles/" warning before any collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Evidence on S3-compatible object storage (MinIO, Ceph RGW, a cloud's) when set, e.g.
# s3://dudao-media?endpoint=https://minio.intranet:9000&region=cn-east-1, keys from AWS_ACCESS_KEY_ID /
# AWS_SECRET_ACCESS_KEY; streamed only through the permission-checked views (config/env.py, docs/DEPLOY.md).
MEDIA_STORAGE_URL = env_str("MEDIA_STORAGE_URL", "")
if MEDIA_STORAGE_URL:
    STORAGES["default"] = parse_media_storage_url(MEDIA_STORAGE_URL)
WHITENOISE_USE_FINDERS = DEBUG or DEMO

UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
# Images are decoded to be re-encoded: refuse more pixels than this before decoding (decompression bombs).
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 40_000_000, minimum=10_000)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes refusals of bad tokens 401, not 403.
        "security.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Bounded JSON (size, depth: never a RecursionError); forms as DRF's own.
    "DEFAULT_PARSER_CLASSES": ["security.input_guard.GuardedJSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_SCHEMA_CLASS": "config.api_schema.ReadableAutoSchema",  # stable <resource>_<verb> operation ids
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dudao API",
    "DESCRIPTION": "督导 supervision and rectification workflow API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "security.schema.add_error_responses",
        "inspections.api.schema_hooks.one_media_type",  # one body type per call (generated clients)
        "inspections.api.schema_hooks.declare_error_bodies",
        "inspections.api.schema_hooks.add_links",  # create → detail → action chains (stateful fuzzing)
    ],
    # One name per choice set where several models call a field `status` or `result` (otherwise the
    # enums get hashed names such as Status2f5Enum and a warning on every /api/schema/).
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "inspections.models.RectificationOrder.Status",
        "VisitStatusEnum": "inspections.models.Visit.Status",
        "GeoStatusEnum": "inspections.models.Visit.GeoStatus",
        "ItemResultEnum": "inspections.models.VisitItemResult.Result",
        "RecheckResultEnum": "inspections.models.Recheck.Result",
        "OrganizationKindEnum": "organizations.models.Organization.Kind",
        "VisitKindEnum": "inspections.visits.models.Kind",
        "ClueDecisionEnum": "inspections.models.Clue.Decision",
        "ClueReplyMethodEnum": "inspections.models.Clue.ReplyMethod",
        "DrawStatusEnum": "inspections.models.Draw.Status",
        "ReviewDecisionEnum": ["approve", "return"],
        "RecheckMethodEnum": "inspections.models.Recheck.Method",
    },
}

VIEWFLOW = {}

SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_TOUCH_SECONDS = 60  # security.middleware.SessionTouchMiddleware slides the idle timeout this often

if not (DEBUG or DEMO):
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

DUDAO_BASE_URL = env_str("DUDAO_BASE_URL", "")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "dudao@localhost")
# SMTP (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend): an intranet relay or the bureau's mail server.
EMAIL_HOST = env_host("EMAIL_HOST", "localhost")
EMAIL_PORT = env_port("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS, EMAIL_USE_SSL = env_email_security()
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)  # seconds: a hung server must not hold the sender forever

from .security import *  # noqa: E402,F401,F403  (axes, token lifetime, CSP)

# One line per record. An expected refusal (a 4xx: 403, 404, 405, ...) is logged by django.request as one
# warning line, without the traceback of the PermissionDenied/Http404 that produced it; server errors
# (5xx) keep their traceback. django-axes logs every successful login at INFO: only its warnings here.
# LOG_FORMAT=json (the default in production) writes one JSON object per line with the request id (ops.logs),
# and one access line per request (logger dudao.request); in demo and development daphne prints its own.
LOG_FORMAT = env_choice("LOG_FORMAT", "line" if (DEBUG or DEMO) else "json", ("json", "line"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_one_line": {"()": "config.logfilters.ClientErrorsOneLine"},
                "request_id": {"()": "ops.logs.RequestIdFilter"}},
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
                   "json": {"()": "ops.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                             "filters": ["client_errors_one_line", "request_id"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"},
                "dudao.request": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"}},
}

# --- Operations (ops/: probes, metrics) -------------------------------------------------
# /metrics: direct connections from these addresses, or anyone sending `Authorization: Bearer $METRICS_TOKEN`.
METRICS_ALLOWED_NETWORKS = env_networks("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
METRICS_TOKEN = env_secret("METRICS_TOKEN", min_length=24)
# /readyz fails when the newest scheduler heartbeat is older than this (run_timers beats every sweep, 30 s).
SCHEDULER_HEARTBEAT_MAX_AGE = env_int("SCHEDULER_HEARTBEAT_MAX_AGE", 120, minimum=10)
READYZ_REQUIRES_SCHEDULER = env_bool("READYZ_REQUIRES_SCHEDULER", True)

# Integrators' webhooks (webhooks/targets.py): http:// and loopback targets only in development and tests;
# private networks an intranet integrator lives on are allowed only when the operator lists them here.
WEBHOOKS_ALLOW_LOOPBACK = env_bool("WEBHOOKS_ALLOW_LOOPBACK", DEBUG)
WEBHOOK_ALLOWED_NETWORKS = env_networks("WEBHOOK_ALLOWED_NETWORKS", [])
