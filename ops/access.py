"""Who may read /metrics: a direct connection from an allowed address, or anyone with the bearer token.

The figures say how many orders are overdue in which state and how busy the installation is: not for the
public. A request that came through a proxy (any X-Forwarded-For / X-Real-IP / Forwarded header) is not
let in by its address: behind nginx REMOTE_ADDR is nginx's loopback, or with daphne's --proxy-headers
whatever the client claimed. Through the proxy only the token opens it (and deploy/nginx keeps /metrics
from the outside altogether).
"""
import hmac
import ipaddress

from django.conf import settings

_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def _bearer(request) -> str:
    scheme, _, credential = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return credential.strip() if scheme.lower() == "bearer" else ""


def _address_allowed(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in settings.METRICS_ALLOWED_NETWORKS)


def metrics_allowed(request) -> bool:
    token, given = settings.METRICS_TOKEN, _bearer(request)
    if token and given:
        return hmac.compare_digest(given.encode(), token.encode())  # a wrong token is refused, address or not
    if any(header in request.META for header in _PROXY_HEADERS):
        return False
    return _address_allowed(request.META.get("REMOTE_ADDR"))
