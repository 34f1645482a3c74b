"""Security middleware: response headers, no caching of personal data, forced password change,
refusal audit."""
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from .services import password_change_required, record_refusal

PERMISSIONS_POLICY = "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """CSP and Permissions-Policy on every response (nosniff, HSTS, referrer come from Django's)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        # The tablet camera and check-in position are used by Dudao's own pages only.
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every answer to a signed-in user and every API answer.

    Pages, files and API answers of a signed-in user carry personal or confidential data (a
    complainant's name, evidence, a surprise visit's date): no browser cache, disk cache or proxy may
    keep them for the next person at a shared tablet or office computer. An answer that declares
    itself `public` keeps its own policy; a view's `private` is kept and gets `no-store` added.
    Static files never reach this middleware (whitenoise answers them earlier in MIDDLEWARE), and an
    anonymous visitor's public pages (published draws) are left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _personal(request) and "public" not in _cache_directives(response):
            patch_cache_control(response, no_store=True, private=True)
        return response


def _personal(request) -> bool:
    # /api/: token clients are authenticated inside DRF's view, so request.user alone would miss them.
    user = getattr(request, "user", None)
    return request.path.startswith("/api/") or bool(user and user.is_authenticated)


def _cache_directives(response) -> set[str]:
    return {part.split("=", 1)[0].strip().lower() for part in response.get("Cache-Control", "").split(",")}


class SessionTouchMiddleware:
    """Slide the idle timeout at most once a minute instead of rewriting the session on every request.

    SESSION_SAVE_EVERY_REQUEST cost an UPDATE and a COMMIT per request (measured in bench T3/T5);
    this keeps the session's expiry within SESSION_TOUCH_SECONDS of the last activity.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or session.modified:
            return response
        now = int(timezone.now().timestamp())
        if now - session.get("_touched", 0) >= settings.SESSION_TOUCH_SECONDS:
            session["_touched"] = now  # marks it modified: SessionMiddleware saves it with a fresh expiry
        return response


def _exempt_from_password_change(path: str) -> bool:
    """Pages a user who must change the password may still reach."""
    allowed = (reverse("password_change"), reverse("password_change_done"), reverse("logout"),
               reverse("set_language"), reverse("javascript-catalog"), settings.STATIC_URL)
    return path.startswith(allowed)


class PasswordChangeRequiredMiddleware:
    """Outside demo mode, an account still on the published demo password must change it first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEMO or _exempt_from_password_change(request.path):
            return self.get_response(request)
        if not password_change_required(request.user):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("请先修改初始密码。")}, status=403)
        messages.warning(request, _("您的账号仍在使用初始密码，请先修改密码。"))
        return redirect("password_change")


def _refusal_worth_auditing(request, response) -> bool:
    # 404 of an unrouted URL is a typo or a scanner, not a refused object; 403 always counts.
    if response.status_code == 403:
        return True
    return response.status_code == 404 and getattr(request, "resolver_match", None) is not None


class RefusalAuditMiddleware:
    """Audits every 403, and every 404 from a routed view (an invisible or missing object).

    Works from the response, so it also sees refusals that never reach
    `process_exception`: DRF's own 403/404 responses, viewflow's site check in
    `process_view`, guardian's decorators.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _refusal_worth_auditing(request, response) and not getattr(request, "_refusal_audited", False):
            record_refusal(user=getattr(request, "user", None), status=response.status_code,
                           path=request.path, method=request.method,
                           reason=getattr(request, "_refusal_reason", ""))
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, (PermissionDenied, Http404)):
            request._refusal_reason = type(exception).__name__
        return None


class ApiJsonErrorsMiddleware:
    """Under /api/, a 404 or 405 from Django itself (an unmatched URL) answers JSON like DRF does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (request.path.startswith("/api/") and response.status_code in (404, 405)
                and response.get("Content-Type", "").startswith("text/html")):
            return JsonResponse({"detail": response.reason_phrase}, status=response.status_code)
        return response
