"""The visit screens as an installable, offline-capable web app: the service worker, the manifest and the
outbox's check-in.

The worker and the manifest are served from /visits/ so that the worker's default scope is the visit screens
(no Service-Worker-Allowed header needed) and nothing else on the site is controlled by it.

The check-in from the outbox (POST /visits/<pk>/check-in/) is the API's check-in plus what only a tablet that
was offline knows: the device's time of the button press (`device_at`) and `captured_offline`. It is applied
once per client UUID like every outbox write (inspections.idempotency.services, the API's `once`).
"""
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from inspections.visits import services
from inspections.visits.api import CheckInSerializer, VisitActionView


@require_GET
def service_worker(request):
    path = finders.find("dudao/sw.js")
    if not path:
        raise Http404("no service worker")
    response = FileResponse(open(path, "rb"), content_type="text/javascript")
    response["Cache-Control"] = "no-cache"  # a new worker reaches the tablets at their next visit
    return response


@require_GET
def manifest(request):
    scope = reverse("visits:today")
    response = JsonResponse({
        "name": _("督导检查"), "short_name": _("督导检查"), "lang": request.LANGUAGE_CODE,
        "start_url": scope, "scope": scope, "display": "standalone",
        "background_color": "#eceff1", "theme_color": "#37474f",
        "icons": [{"src": static(f"dudao/icons/visit-{n}.png"), "sizes": f"{n}x{n}", "type": "image/png"}
                  for n in (192, 512)],
    }, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


class OfflineCheckInSerializer(CheckInSerializer):
    device_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    captured_offline = serializers.BooleanField(required=False, default=False)


class OfflineCheckInView(VisitActionView):
    """The tablet's check-in, sent from its outbox when the network allows (the visit pages' own endpoint)."""

    action = "check_in"
    input_serializer = OfflineCheckInSerializer

    @extend_schema(exclude=True)  # a page endpoint of the visit screens, not part of the public API
    def post(self, request, pk):
        return super().post(request, pk)

    def perform(self, request, visit, data):
        return self.visit_response(services.visit_check_in(visit=visit, user=request.user, **data))


check_in = OfflineCheckInView.as_view()
