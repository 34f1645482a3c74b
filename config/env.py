"""Strict parsers for settings taken from the environment.

A typo in production configuration must stop the process at start, with a
message naming the variable, rather than silently fall back to a default.
"""
import os
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


def parse_database_url(url: str) -> dict:
    """Turn postgres://user:pass@host:port/name?sslmode=... into a DATABASES entry.

    Only PostgreSQL is accepted: the embedded default is SQLite (no URL), and
    anything else is a configuration mistake we want to hear about.
    """
    parts = urlsplit(url)
    if parts.scheme not in _PG_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with postgres:// (got scheme {parts.scheme!r}); "
            "leave it unset to use the embedded SQLite database."
        )
    name = unquote(parts.path.lstrip("/"))
    if not name or "/" in name:
        raise ImproperlyConfigured(
            "DATABASE_URL must name exactly one database, e.g. postgres://postgres@127.0.0.1:5432/dudao."
        )
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured("DATABASE_URL has a port that is not a number.") from None
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
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
