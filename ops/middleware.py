"""The outermost middleware: request id, timing, query count, one log line and the metrics of each request;
and the probes and /metrics, answered before any other middleware runs."""
import logging
import time

from django.db import connection
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseNotFound
from django.utils.functional import empty

from . import health, metrics
from .access import metrics_allowed
from .requestid import HEADER, current_request_id, request_id_from

access_log = logging.getLogger("dudao.request")


class QueryCounter:
    """A connection execute_wrapper: counts the queries of one request and the time they took."""

    def __init__(self):
        self.count, self.seconds = 0, 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


def view_label(request) -> str:
    """The URL pattern's name (bounded: one per route), never the path (unbounded: ids in it)."""
    if getattr(request, "ops_view", None):
        return request.ops_view
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>"
    return match.view_name or match.route or "<unnamed>"


def _user_id(request):
    # Only a user some middleware or view already loaded: reading request.user here would cost a query.
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class RequestIdMiddleware:
    """First in MIDDLEWARE: every answer, refusals and probes included, carries X-Request-ID and is measured."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_from(request.META)
        token = current_request_id.set(request.request_id)
        counter, started = QueryCounter(), time.perf_counter()
        try:
            with connection.execute_wrapper(counter):
                response = self.get_response(request)
            response[HEADER] = request.request_id
            self._record(request, response, time.perf_counter() - started, counter)
            return response
        finally:
            current_request_id.reset(token)

    def _record(self, request, response, seconds, counter) -> None:
        view = view_label(request)
        metrics.REQUEST_SECONDS.labels(view, request.method).observe(seconds)
        metrics.REQUESTS.labels(view, request.method, str(response.status_code)).inc()
        metrics.DB_QUERIES.labels(view).inc(counter.count)
        metrics.DB_SECONDS.labels(view).inc(counter.seconds)
        # Probes come every few seconds from each load balancer: at DEBUG, so they do not drown the log.
        level = logging.DEBUG if view.startswith("ops:") else logging.INFO
        access_log.log(level, "%s %s %s", request.method, request.path, response.status_code, extra={
            "request_id": request.request_id, "method": request.method, "path": request.path, "view": view, "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1), "db_queries": counter.count,
            "db_ms": round(counter.seconds * 1000, 1), "user_id": _user_id(request),
            "ip": request.META.get("REMOTE_ADDR"),
        })


def metrics_view(request) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponseNotFound()  # as for any object one may not see: no hint that it exists
    from prometheus_client import CONTENT_TYPE_LATEST

    response = HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


ENDPOINTS = {"/healthz": ("ops:healthz", health.healthz), "/readyz": ("ops:readyz", health.readyz),
             "/metrics": ("ops:metrics", metrics_view)}


class OpsEndpointsMiddleware:
    """/healthz, /readyz and /metrics, answered here, right after RequestIdMiddleware.

    A load balancer probes with its own Host header, over plain HTTP, without cookies: the host check
    (ALLOWED_HOSTS), the HTTPS redirect, sessions, the login and password-change redirects, CSRF,
    django-axes and the refusal audit all sit further down MIDDLEWARE and never see these requests.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        endpoint = ENDPOINTS.get(request.path_info.rstrip("/") or "/")
        if endpoint is None:
            return self.get_response(request)
        request.ops_view, view = endpoint
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return view(request)
