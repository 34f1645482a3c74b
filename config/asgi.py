import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from django.conf import settings  # noqa: E402

from config.overload import InFlightLimit, limits_from_environment  # noqa: E402
from notifications.auth import OriginCheckMiddleware, TokenOrSessionAuthMiddleware  # noqa: E402
from notifications.routing import websocket_urlpatterns  # noqa: E402

_in_flight, _queued, _wait = limits_from_environment(getattr(settings, "DATABASE_POOL_SIZE", 0)
                                                    if settings.DATABASES["default"]["OPTIONS"].get("pool") else 0)
http_application = InFlightLimit(django_asgi_app, in_flight=_in_flight, queued=_queued, wait=_wait)

application = ProtocolTypeRouter(
    {
        # At most what the connection pool can serve in flight; a bounded queue, then 503 (config.overload).
        "http": http_application,
        # The exact Origin check comes first: it decides whether the session cookie may be used at all.
        "websocket": OriginCheckMiddleware(
            TokenOrSessionAuthMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)
