"""One strict reader for numbers and dates that arrive as text: query strings, form fields, URL parts.

Python's `int()` and `date.fromisoformat()` raise on hostile input ("abc", "²", "2026-02-30", "99999-01-01")
and, unguarded, that ValueError is a 500. Ids that are too large for a PostgreSQL bigint fail in the
database instead. Every view reads such values through the functions here, which answer a
`BadParameter`: a ValidationError (so forms and services that already catch those show the message)
that is also a `BadRequest` (so an uncaught one is a 400, rendered by security.input_guard).
"""
import datetime as dt
import re

from django import forms
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

# PostgreSQL's bigint: a larger id can name no row, and the database refuses to compare with it.
MAX_ID = 2**63 - 1
# The years a supervision record can carry. Outside them a date is a typo, and date arithmetic near
# year 9999 (the end day + 1 of a filter) would overflow.
MIN_DATE, MAX_DATE = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
_INT = re.compile(r"[+-]?[0-9]{1,19}")  # ASCII digits only: "²".isdigit() is True, int("²") raises
_DECIMAL = re.compile(r"[+-]?[0-9]{1,12}(\.[0-9]{1,9})?")  # no exponents, NaN or infinity
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class BadParameter(ValidationError, BadRequest):
    """A value that is not what the page or endpoint asks for; answered 400 wherever it is not caught."""

    def __init__(self, name: str, message: str):
        super().__init__(message, code="invalid", params={"name": name})
        self.name = name


def _params(source):
    """A request means its query string; anything else is a mapping (request.POST, query_params, a dict)."""
    return source.GET if hasattr(source, "GET") and hasattr(source, "method") else source


def int_value(raw, name: str = "id", *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """The integer in `raw`, None when it is empty; anything else is a BadParameter."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    if not _INT.fullmatch(text) or not minimum <= int(text) <= maximum:
        raise BadParameter(name, _("参数 %(name)s 不是有效的数字。") % {"name": name})
    return int(text)


def decimal_value(raw, name: str, *, minimum: float = 0, maximum: float = 10**12) -> float | None:
    """A plain decimal number (a percentage, a coordinate) as float; None when empty."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    if not _DECIMAL.fullmatch(text) or not minimum <= float(text) <= maximum:
        raise BadParameter(name, _("参数 %(name)s 不是有效的数字。") % {"name": name})
    return float(text)


def int_param(source, name: str, default: int | None = None, **bounds) -> int | None:
    """An integer query (or form) parameter: `int_param(request, "page")`, `int_param(request.POST, "n")`."""
    value = int_value(_params(source).get(name), name, **bounds)
    return default if value is None else value


def int_list_param(source, name: str, **bounds) -> list[int]:
    """Every value of a repeated parameter (`?members=1&members=2`), empty ones dropped."""
    params = _params(source)
    values = params.getlist(name) if hasattr(params, "getlist") else [params.get(name)]
    return [v for v in (int_value(raw, name, **bounds) for raw in values) if v is not None]


def date_value(raw, name: str = "date") -> dt.date | None:
    """The calendar day `YYYY-MM-DD` in `raw` (None when empty); impossible days are a BadParameter."""
    if isinstance(raw, dt.date):
        return raw
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text) if _DATE.fullmatch(text) else None
    except ValueError:
        day = None
    if day is None or not MIN_DATE <= day <= MAX_DATE:
        raise BadParameter(name, _("参数 %(name)s 应为有效日期（YYYY-MM-DD）。") % {"name": name})
    return day


def date_param(source, name: str, default: dt.date | None = None) -> dt.date | None:
    value = date_value(_params(source).get(name), name)
    return default if value is None else value


def datetime_value(raw, name: str = "datetime") -> dt.datetime | None:
    """A date and time (`YYYY-MM-DDTHH:MM[:SS][±HH:MM]`) within the supported years; None when empty."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text) if _DATE.fullmatch(text[:10]) and len(text) <= 40 else None
    except ValueError:
        moment = None
    if moment is None or not MIN_DATE <= moment.date() <= MAX_DATE:
        raise BadParameter(name, _("参数 %(name)s 应为有效的日期时间。") % {"name": name})
    return moment


def maybe_int(raw) -> int | None:
    """The id in `raw`, or None for anything that is not one (a choice made so far, shown again)."""
    try:
        return int_value(raw)
    except BadParameter:
        return None


def validate_supported_date(day) -> None:
    """A model or form validator: the day lies in the years the records (and date arithmetic) support."""
    if isinstance(day, dt.datetime):
        day = day.date()
    if isinstance(day, dt.date) and not MIN_DATE <= day <= MAX_DATE:
        raise ValidationError(_("日期应在 %(min)s 至 %(max)s 之间。") % {"min": MIN_DATE.year, "max": MAX_DATE.year},
                              code="date_range")


class SupportedDateField(forms.DateField):
    """A form DateField refusing years outside MIN_DATE..MAX_DATE (9999-12-31 + 1 day overflows)."""

    default_validators = [validate_supported_date]


class IdChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose value must look like an id before it is looked up.

    Django asks the database with whatever was posted and catches ValueError only: on SQLite an id
    beyond 64 bits raised OverflowError (a 500). Here it is the field's own "invalid choice" error.
    """

    def to_python(self, value):
        if value not in self.empty_values and self.to_field_name is None and not isinstance(value, self.queryset.model):
            if maybe_int(value) is None:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """The same for several ids (`?members=1&members=2`): each must look like an id."""

    def _check_values(self, value):
        if self.to_field_name is None and not isinstance(value, (str, bytes)):
            for pk in value if hasattr(value, "__iter__") else ():
                if not isinstance(pk, (list, dict)) and maybe_int(pk) is None:
                    raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                          params={"pk": pk})
        return super()._check_values(value)


def id_or_404(raw) -> int:
    """A URL part that names an object: anything that cannot be an id names nothing, so 404 (not 400)."""
    try:
        value = int_value(raw, minimum=1)
    except BadParameter:
        value = None
    if value is None:
        raise Http404("no such object")
    return value
