"""Where a webhook may point: HTTPS to a public address (no SSRF into the server's own network).

Decided:
- `https://` only. `http://` only to the loopback address, and only when WEBHOOKS_ALLOW_LOOPBACK is on
  (default: DEBUG; the tests turn it on for their local receiver).
- Every address the host name resolves to must be public (`ipaddress.is_global`, not multicast): private
  ranges (10/8, 172.16/12, 192.168/16), loopback, link-local (169.254/16, the cloud metadata service), CGNAT,
  reserved and unique-local IPv6 are refused. An intranet integrator is allowed by listing its networks in
  WEBHOOK_ALLOWED_NETWORKS (env, comma-separated CIDRs) — an operator's decision, never an admin's.
- Checked when the endpoint is registered and again on every send, and the connection goes to the address
  that was checked (webhooks.sender pins it), so a name that later resolves inward (DNS rebinding) is refused
  at send time; redirects are never followed. No user:password in the URL.
"""
import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def loopback_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_LOOPBACK", settings.DEBUG))


def _allowed_networks() -> list:
    # Networks from the environment (config.env.env_networks); strings too, as a test's settings give them.
    return [ipaddress.ip_network(n, strict=False) for n in getattr(settings, "WEBHOOK_ALLOWED_NETWORKS", ())]


def address_allowed(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    if address.is_loopback:
        return loopback_allowed()
    if any(address in network for network in _allowed_networks()):
        return True
    return address.is_global and not address.is_multicast


def check_url(url: str) -> tuple[str, int]:
    """(host, port) of an acceptable target URL; ValidationError({"url": …}) otherwise (no network use)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise ValidationError({"url": [_("只接受 https:// 地址。")]}) from None
    if parts.username or parts.password:
        raise ValidationError({"url": [_("地址中不能包含用户名或密码。")]})
    if parts.scheme == "http" and not (loopback_allowed() and host in LOOPBACK_NAMES):
        raise ValidationError({"url": [_("只接受 https:// 地址。")]})
    if parts.scheme not in ("http", "https") or not host:
        raise ValidationError({"url": [_("只接受 https:// 地址。")]})
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError({"url": [_("端口无效。")]}) from None
    return host, port


def resolve(host: str, port: int) -> str:
    """The one address to connect to: every address of `host` must be allowed, else ValidationError."""
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError, ValueError):  # no such name, a label too long, a NUL in the name
        raise ValidationError({"url": [_("无法解析该地址的主机名。")]}) from None
    if not found or not all(address_allowed(ip) for ip in found):
        raise ValidationError({"url": [_("该地址指向内部网络，不允许推送。")]})
    return sorted(found)[0]


def validate_target(url: str) -> str:
    """Check a URL as the registration does: scheme, and the addresses its host resolves to now."""
    resolve(*check_url(url))
    return url
