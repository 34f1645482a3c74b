"""Hostile input answers 400 before it reaches a view, and a strict-parameter error anywhere is a 400.

What is refused here, for every page and API endpoint:
- a NUL character (or a lone UTF-16 surrogate) in the path, the query string, a header or cookie, a
  form value or file name, or a JSON string: SQLite stores them, PostgreSQL refuses them and the
  database error would be a 500 (and text that cannot be stored is never valid input);
- a form value longer than MAX_VALUE_CHARS: a backstop above every field's own cap (the fields
  give the precise message, this stops megabytes of text reaching code that reads request.POST);
- a JSON body larger than JSON_MAX_BYTES or nested deeper than JSON_MAX_DEPTH: Python's JSON parser
  recurses once per level and a few thousand `[` raise RecursionError, a 500 in DRF's own parser.

`config.params.BadParameter` (and any other django BadRequest) raised by a view answers 400 here, as
the project's page in the reader's language, or `{"detail": ...}` under /api/. GuardedJSONParser is
DRF's JSON parser with the same bounds, for requests this middleware does not see the body of.
"""
import json
import re

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import BadRequest, ValidationError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.log import log_response
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json as drf_json

JSON_MAX_BYTES = 1024 * 1024
JSON_MAX_DEPTH = 32
MAX_VALUE_CHARS = 100_000
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# A JSON string (skipped whole, so brackets inside it do not count) or one bracket.
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class InputRefused(BadRequest):
    """Input no view should see; its message is shown to the user."""


def unstorable(text) -> bool:
    return isinstance(text, str) and _UNSTORABLE.search(text) is not None


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in `body`, counted without recursing."""
    if body.count(b"[") + body.count(b"{") <= JSON_MAX_DEPTH:
        return 0  # cannot be deeper than the bound: no scan needed (the common case)
    depth = deepest = 0
    for token in _JSON_TOKEN.finditer(body):
        mark = token.group()
        if mark in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif mark in (b"]", b"}"):
            depth -= 1
    return deepest


def json_problem(value) -> str | None:
    """Walks parsed JSON (iteratively: it may be wide) for a string PostgreSQL cannot store."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if any(unstorable(key) for key in item):
                return _("JSON 中含有无法保存的字符（如 NUL）。")
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif unstorable(item):
            return _("JSON 中含有无法保存的字符（如 NUL）。")
    return None


def check_json(body: bytes) -> None:
    """Raise InputRefused for a body too large, too deep or holding unstorable text; bad syntax is the parser's."""
    if len(body) > JSON_MAX_BYTES:
        raise InputRefused(_("JSON 内容过大（上限 %(n)s 字节）。") % {"n": JSON_MAX_BYTES})
    if json_depth(body) > JSON_MAX_DEPTH:
        raise InputRefused(_("JSON 嵌套层数过深（上限 %(n)s 层）。") % {"n": JSON_MAX_DEPTH})
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON: the view's parser answers its own 400
    problem = json_problem(parsed)
    if problem:
        raise InputRefused(problem)


def _is_json(request) -> bool:
    kind = request.content_type or ""
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


def _envelope_problem(request) -> str | None:
    """Path, query string, headers and cookies: everything a request carries before its body."""
    if unstorable(request.path) or unstorable(request.path_info):
        return _("网址中含有无法处理的字符。")
    for key, values in request.GET.lists():
        if unstorable(key) or any(unstorable(v) for v in values):
            return _("查询参数中含有无法处理的字符。")
    headers = (v for k, v in request.META.items() if k.startswith("HTTP_"))
    if any(unstorable(v) for v in headers) or any(unstorable(k) or unstorable(v) for k, v in request.COOKIES.items()):
        return _("请求头中含有无法处理的字符。")
    return None


def _form_problem(request) -> str | None:
    """Form values and uploaded file names of a POST (Django parses no other method's form)."""
    if request.method != "POST" or _is_json(request):
        return None
    for key, values in request.POST.lists():
        if unstorable(key) or any(unstorable(v) for v in values):
            return _("表单内容中含有无法保存的字符（如 NUL）。")
        if any(len(v) > MAX_VALUE_CHARS for v in values):
            return _("表单内容过长（每项上限 %(n)s 字）。") % {"n": MAX_VALUE_CHARS}
    if any(unstorable(f.name) for files in request.FILES.lists() for f in files[1]):
        return _("文件名中含有无法保存的字符。")
    return None


def _body_problem(request) -> str | None:
    if not _is_json(request):
        return _form_problem(request)
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isascii() or not length.isdigit() or int(length) > JSON_MAX_BYTES:
        return _("JSON 内容过大（上限 %(n)s 字节）。") % {"n": JSON_MAX_BYTES}
    try:
        check_json(request.body)
    except InputRefused as exc:
        return str(exc)
    return None


def refusal(request, message: str, status: int = 400):
    """The 400 answer: JSON under /api/, else our page in the reader's language (inside the shell)."""
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=status)
    else:
        response = render(request, "400.html", {"detail": message}, status=status)  # the shared error page
    log_response("Bad request: %s", request.path, response=response, request=request)
    return response


def _forget_identity(request) -> None:
    # A cookie with a NUL cannot be looked up in PostgreSQL: answer as nobody rather than load the session.
    request.user = AnonymousUser()
    request.session = SessionBase()


class TextTooLong(ValidationError, BadRequest):
    """A text longer than its field allows, refused before the database would (a 400 if nobody catches it)."""


def refuse_overlong_text(sender, instance, raw=False, update_fields=None, **kwargs):
    """pre_save, every model: each text value within its field's max_length.

    PostgreSQL refuses a varchar longer than its length (SQLite stores it), and a TextField's max_length
    is enforced by forms and serializers only: services that take text straight from request.POST
    (and the admin, and imports) are held to the same caps here, as a ValidationError they already show.
    """
    if raw:
        return  # fixtures are trusted and loaded as they are
    errors = {}
    for field in sender._meta.concrete_fields:
        limit = getattr(field, "max_length", None)
        if not limit or (update_fields is not None and field.name not in update_fields):
            continue
        value = getattr(instance, field.attname, None)
        if isinstance(value, str) and len(value) > limit:
            errors[field.name] = [_("%(field)s 最多 %(n)s 字（现为 %(len)s 字）。")
                                  % {"field": field.verbose_name, "n": limit, "len": len(value)}]
    if errors:
        raise TextTooLong(errors)


def axes_username(request, credentials=None) -> str | None:
    """AXES_USERNAME_CALLABLE: the name failed logins are counted under, cut to axes' column (255).

    Django's login form does not enforce the username's length before authenticating, and axes stores
    whatever was typed: a longer name was a database error (a 500) on PostgreSQL.
    """
    data = credentials or getattr(request, "data", None) or request.POST
    username = data.get(str(settings.AXES_USERNAME_FORM_FIELD)) if hasattr(data, "get") else None
    return username[:255] if isinstance(username, str) else username


class InputGuardMiddleware:
    """Placed after the authentication middleware: the refusal page knows the reader and the language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = _envelope_problem(request)
        if problem:
            if any(unstorable(k) or unstorable(v) for k, v in request.COOKIES.items()):
                _forget_identity(request)
            return refusal(request, problem)
        problem = _body_problem(request)
        if problem:
            return refusal(request, problem)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, BadRequest):
            messages = getattr(exception, "messages", None) or [str(exception) or _("请求参数有误。")]
            return refusal(request, " ".join(messages))
        return None


class GuardedJSONParser(JSONParser):
    """DRF's JSON parser, bounded in size and depth and refusing unstorable text (never a RecursionError)."""

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read(JSON_MAX_BYTES + 1) if stream is not None else b""
        try:
            check_json(body)
        except InputRefused as exc:
            raise ParseError(str(exc)) from None
        try:
            return json.loads(body, parse_constant=drf_json.strict_constant if self.strict else None)
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("JSON 格式错误：%(error)s") % {"error": exc}) from None
