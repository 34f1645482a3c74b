from django.conf import settings
from django.utils import translation

from config.urls import dudao_app, site
from inspections.audit.services import current_ip


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose otherwise with the language switch.

    Django's LocaleMiddleware follows the browser's Accept-Language, which on
    many government desktops is English; Dudao should still open in Chinese.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RequestContextMiddleware:
    """Makes the client's address available to the audit trail for this request."""
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(request.META.get("REMOTE_ADDR"))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)


class ShellMiddleware:
    """Puts Dudao's own pages (visits, orders, reports…) inside the viewflow shell.

    Those pages are mounted outside the viewflow Site, so without this they
    would render without the navigation drawer and the site's colours.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, callback, callback_args, callback_kwargs):
        match = request.resolver_match
        if match is None or getattr(match, "site", None) is not None:
            return None

        match.site, match.app = site, dudao_app
        return None
