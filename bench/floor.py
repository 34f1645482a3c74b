"""The framework floor: what a page or an API call costs before it does any work of its own.

`floor_page` is a login-required page rendered through the same middleware, session and shell
(templates/dudao/base.html: the viewflow drawer and menus, the bell, the language switch) as every
Dudao page, with no content. `floor_api` is a DRF view with the API's default authentication and
permission classes returning a tiny JSON. bench/run reports every page and endpoint as a ratio to
these. Mounted only in bench/run's own process (bench/urls.py, when settings.BENCH_FLOOR is on, which
bench/run sets): never by the served site, and kept out of the OpenAPI schema.
"""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response


@login_required
def floor_page(request):
    return render(request, "bench/floor.html", {})


@extend_schema(exclude=True)
@api_view(["GET"])
def floor_api(request):
    return Response({"ok": True})


urlpatterns = [
    path("page/", floor_page, name="bench-floor-page"),
    path("api/", floor_api, name="bench-floor-api"),
]
