"""Quiet logs: an expected refusal is one line, the schema builds without warnings, no static-root warning."""
import logging
import sys
import warnings

import pytest
from django.core.management import call_command

from config.logfilters import ClientErrorsOneLine


def _console_handler():
    return next(h for h in logging.getLogger().handlers if any(isinstance(f, ClientErrorsOneLine) for f in h.filters))


def test_an_expected_403_is_logged_as_one_line(client, people, caplog):
    client.force_login(people.school_staff)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/security/audit/").status_code == 403
    records = [r for r in caplog.records if r.name == "django.request" and getattr(r, "status_code", None) == 403]
    assert records, "the refusal is logged"
    handler = _console_handler()
    for record in records:
        assert handler.filter(record)
        line = handler.format(record)
        assert "\n" not in line and "Traceback" not in line, line
        assert "/security/audit/" in line


def test_a_server_error_keeps_its_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: /x",
                                   None, sys.exc_info())
    record.status_code = 500
    handler = _console_handler()
    assert handler.filter(record)
    assert "Traceback" in handler.format(record) and "RuntimeError: boom" in handler.format(record)


@pytest.mark.django_db
def test_the_api_schema_builds_without_warnings(tmp_path):
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yml"))
    assert "OrderStatusEnum" in (tmp_path / "schema.yml").read_text()


def test_whitenoise_finds_the_static_root():
    from whitenoise.middleware import WhiteNoiseMiddleware

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        WhiteNoiseMiddleware(lambda request: None)
    assert not [w for w in caught if "No directory at" in str(w.message)]
