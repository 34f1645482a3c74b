"""The visit screens as an installable, offline-capable web app: the service worker and the manifest.

Both are served from /visits/ so that the worker's default scope is the visit screens (no
Service-Worker-Allowed header needed) and nothing else on the site is controlled by it.
"""
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET


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
