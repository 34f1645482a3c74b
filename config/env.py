"""Strict parsers for settings taken from the environment.

A typo in production configuration must stop the process at start, with a
message naming the variable, rather than silently fall back to a default.
"""
import os
import re
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean; use one of true/false, 1/0, yes/no, on/off."
    )


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


_PG_SCHEMES = {"postgres", "postgresql", "pgsql"}


def parse_database_url(url: str, name: str = "DATABASE_URL") -> dict:
    """Turn postgres://user:pass@host:port/name?sslmode=... into a DATABASES entry.

    Only PostgreSQL is accepted: the embedded default is SQLite (no URL), and
    anything else is a configuration mistake we want to hear about.
    """
    parts = urlsplit(url)
    if parts.scheme not in _PG_SCHEMES:
        raise ImproperlyConfigured(
            f"{name} must start with postgres:// (got scheme {parts.scheme!r}); "
            "leave it unset to use the embedded SQLite database."
        )
    database = unquote(parts.path.lstrip("/"))
    if not database or "/" in database:
        raise ImproperlyConfigured(
            f"{name} must name exactly one database, e.g. postgres://postgres@127.0.0.1:5432/dudao."
        )
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a port that is not a number.") from None
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": database,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": 0,
    }


def check_redis_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise ImproperlyConfigured(
            f"REDIS_URL must look like redis://host:6379/0 (got {url!r})."
        )
    return url


def env_networks(name: str, default: list[str]) -> list:
    """Comma-separated addresses or CIDR networks (127.0.0.1, 10.0.0.0/8, ::1); a bad entry stops the start."""
    import ipaddress

    networks = []
    for entry in env_list(name, default):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {entry!r} is not an IP address or network (e.g. 10.0.0.0/8).") from None
    return networks


def env_secret(name: str, *, min_length: int) -> str:
    """A shared secret (a bearer token): unset or empty means none; a short or spaced one stops the start."""
    raw = os.environ.get(name, "")
    if raw and (len(raw) < min_length or raw != raw.strip() or " " in raw):
        raise ImproperlyConfigured(f"{name} must be at least {min_length} characters, without spaces.")
    return raw


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    if raw.strip().lower() not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r}: use one of {', '.join(choices)}.")
    return raw.strip().lower()


_BUCKET = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"
_S3_QUERY = {"endpoint", "region", "addressing"}


def parse_media_storage_url(url: str, environ=None) -> dict:
    """s3://bucket[/prefix]?endpoint=https://minio.intranet:9000&region=cn-east-1 → a STORAGES["default"] entry.

    Credentials come only from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (boto3 reads them there), never from
    the URL, so the URL can be logged and documented. Objects stay private: no ACL is set (the bucket's
    default), and the app streams evidence through its permission-checked views, never a storage URL.
    """
    environ = os.environ if environ is None else environ
    parts = urlsplit(url)
    if "@" in parts.netloc:
        raise ImproperlyConfigured("MEDIA_STORAGE_URL must not carry credentials: set AWS_ACCESS_KEY_ID and "
                                   "AWS_SECRET_ACCESS_KEY in the environment.")
    if parts.scheme != "s3" or not re.fullmatch(_BUCKET, parts.netloc):  # as written: no user, port, capitals
        raise ImproperlyConfigured(f"MEDIA_STORAGE_URL must look like s3://bucket?endpoint=https://host:9000 (got {url!r}).")
    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise ImproperlyConfigured(f"MEDIA_STORAGE_URL: the query is not key=value&key=value (got {parts.query!r}).") from None
    unknown = set(query) - _S3_QUERY
    if unknown or any(len(v) != 1 or not v[0] for v in query.values()):
        raise ImproperlyConfigured(f"MEDIA_STORAGE_URL: only endpoint, region and addressing, each once "
                                   f"(got {sorted(query)!r}).")
    if not (environ.get("AWS_ACCESS_KEY_ID") and environ.get("AWS_SECRET_ACCESS_KEY")):
        raise ImproperlyConfigured("MEDIA_STORAGE_URL is set: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be too.")
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options(parts, {k: v[0] for k, v in query.items()})}


def _s3_options(parts, query: dict) -> dict:
    endpoint = query.get("endpoint")
    if endpoint is not None:
        ep = urlsplit(endpoint)
        if ep.scheme not in {"http", "https"} or not ep.hostname or ep.path not in {"", "/"} or ep.query:
            raise ImproperlyConfigured(f"MEDIA_STORAGE_URL: endpoint must be http(s)://host[:port] (got {endpoint!r}).")
    # An endpoint of one's own (MinIO, Ceph RGW, a cloud's intranet address) is addressed by path by default:
    # a bucket as a sub-domain needs DNS the intranet rarely has.
    addressing = query.get("addressing", "path" if endpoint else "auto")
    if addressing not in {"path", "virtual", "auto"}:
        raise ImproperlyConfigured(f"MEDIA_STORAGE_URL: addressing must be path, virtual or auto (got {addressing!r}).")
    return {
        "bucket_name": parts.hostname, "location": parts.path.strip("/"), "endpoint_url": endpoint,
        "region_name": query.get("region"), "addressing_style": addressing, "signature_version": "s3v4",
        "default_acl": None, "querystring_auth": True, "querystring_expire": 300,
        "file_overwrite": False,  # a name is never reused: a second save gets a new one, evidence is never replaced
        "max_memory_size": 2 * 1024 * 1024,  # a download larger than this spools to a temporary file, not RAM
    }


_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[0-9a-z]([0-9a-z-]{0,61}[0-9a-z])?(\.[0-9a-z]([0-9a-z-]{0,61}[0-9a-z])?)*)", re.IGNORECASE)


def env_host(name: str, default: str) -> str:
    """A bare host name or address (smtp.example.gov.cn, 10.0.0.5): no scheme, port, path or spaces."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    if not _HOST.fullmatch(raw):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a host name or address (write it without scheme or port).")
    return raw


def env_port(name: str, default: int) -> int:
    port = env_int(name, default, minimum=1)
    if port > 65535:
        raise ImproperlyConfigured(f"{name}={port} is not a TCP port (1-65535).")
    return port


def env_email_security() -> tuple[bool, bool]:
    """(EMAIL_USE_TLS, EMAIL_USE_SSL): STARTTLS (usually port 587) or TLS from the start (465), never both."""
    tls, ssl = env_bool("EMAIL_USE_TLS", False), env_bool("EMAIL_USE_SSL", False)
    if tls and ssl:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL are both on; use one (587: TLS, 465: SSL).")
    return tls, ssl
