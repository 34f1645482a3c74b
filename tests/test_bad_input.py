"""Every reported class of hostile input answers 4xx on a real page or endpoint; each of these was a 500.

NUL bytes (PostgreSQL refuses them in text), non-integer and 64-bit-overflowing ids, impossible dates,
deeply nested or oversized JSON, text longer than its field. The class fixes: security.input_guard (the
middleware, the JSON parser, the pre_save length check, the axes username), config.params (the strict
parsers, choice fields and date fields). Run on SQLite and PostgreSQL (many showed on one of them only).
The HTML forms as a whole are fuzzed in tests/test_form_fuzz.py.
"""
import io
import json

import pytest
from django.apps import apps
from django.core.exceptions import BadRequest, ValidationError
from django.db import models
from django.test import Client
from django.utils import timezone
from rest_framework.exceptions import ParseError

from inspections.clues.services import clue_key_issue
from inspections.models import ClueAccessKey, Conflict, Finding, RectificationOrder, RectificationReport
from inspections.orders.services import order_sign
from security.input_guard import JSON_MAX_DEPTH, GuardedJSONParser, json_depth

from .orders_helpers import issue
from .test_permission_matrix import all_patterns

HUGE_ID = str(2**64)


def client_for(user=None) -> Client:
    client = Client(raise_request_exception=True)  # an exception fails the test instead of becoming a 500
    if user is not None:
        client.force_login(user)
    return client


def page_of(response) -> str:
    return response.content.decode()


# --- NUL bytes -----------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/visits/checklists/1/items/A%00/", "/orders/?status=%00",
                                 "/reports/ledger/?severity=a%00b", "/clues/?status=%00"])
def test_nul_in_the_path_or_query_is_our_400_page(people, url):
    response = client_for(people.city_admin).get(url)
    page = page_of(response)
    assert response.status_code == 400 and 'data-error="400"' in page and "无法处理的字符" in page


def test_the_refusal_is_in_the_readers_language(people):
    client = client_for(people.city_admin)
    client.cookies["django_language"] = "en"
    page = page_of(client.get("/orders/?status=%00"))
    assert "cannot be processed" in page and "无法处理" not in page
    detail = client.get("/api/v1/orders/?status=%00").json()["detail"]
    assert "cannot be processed" in detail


def test_nul_in_a_form_value_is_a_400_and_nothing_is_stored(people, tree):
    response = client_for(people.city_admin).post("/clues/keys/", {"organization": tree.city.pk, "name": "a\x00b"})
    assert response.status_code == 400 and "NUL" in page_of(response)
    assert not ClueAccessKey.objects.exists()


def test_nul_in_json_answers_400_with_a_detail(people, tree):
    body = {"school": tree.school_a.pk, "requirements": "清理\u0000通道", "findings": [{"description": "通道堵塞"}]}
    response = client_for(people.district_inspector).post("/api/v1/orders/", json.dumps(body),
                                                          content_type="application/json")
    assert response.status_code == 400 and "NUL" in response.json()["detail"]
    assert not RectificationOrder.objects.exists()


def test_a_lone_surrogate_in_json_is_refused_too(people, tree):
    raw = '{"school": %d, "requirements": "\\ud800", "findings": [{"description": "x"}]}' % tree.school_a.pk
    response = client_for(people.district_inspector).post("/api/v1/orders/", raw, content_type="application/json")
    assert response.status_code == 400 and not RectificationOrder.objects.exists()


def test_nul_in_a_cookie_or_header_is_a_400_without_loading_the_session(db):
    client = client_for()
    client.cookies["sessionid"] = "abcdefgh\x00ijk"
    assert client.get("/orders/").status_code == 400
    response = client_for().post("/accounts/login/", {"username": "x", "password": "y"}, HTTP_USER_AGENT="a\x00b")
    assert response.status_code == 400


# --- ids that are not integers, or beyond 64 bits ---------------------------------------------

@pytest.mark.parametrize("query", ["campaign=abc", "campaign=²", "section=1e3", f"org={HUGE_ID}"])
def test_a_non_integer_filter_id_is_a_400(people, query):
    response = client_for(people.district_leader).get(f"/reports/ledger/?{query}")
    assert response.status_code == 400 and "不是有效的数字" in page_of(response)


def test_a_superscript_digit_in_a_choice_is_the_forms_message(people, tree):
    response = client_for(people.district_inspector).post("/clues/new/", {
        "source": "phone", "received_at": "2026-03-02T10:00", "district": "²", "content": "反映内容"})
    assert response.status_code == 200 and "不是有效的数字" in page_of(response)


def test_an_overflowing_id_among_the_team_is_a_form_error(people, tree):
    from .visits_helpers import plan

    plan(people, tree)  # loads the standard checklist
    response = client_for(people.district_inspector).post(f"/visits/plan/?school={tree.school_a.pk}", {
        "kind": "routine", "school": tree.school_a.pk, "planned_date": timezone.localdate().isoformat(),
        "lead": people.district_inspector.pk, "members": HUGE_ID})
    assert response.status_code == 400 and 'data-error' not in page_of(response)  # the form, with its errors


def _int_patterns() -> list[str]:
    return [p for p in all_patterns() if "<int:" in p and not p.startswith("admin/")]


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_url_with_an_id_answers_an_overflowing_id_without_a_server_error(people, method):
    import re

    client, failures = client_for(people.city_admin), []
    for pattern in _int_patterns():
        url = "/" + re.sub(r"<int:\w+>", HUGE_ID, re.sub(r"<(?:str|slug|path):\w+>", "x", pattern))
        status = getattr(client, method)(url).status_code
        if status >= 500 or status == 200:
            failures.append(f"{method.upper()} {url}: {status}")
    assert not failures, failures


@pytest.mark.parametrize("query", [f"section={HUGE_ID}", f"campaign={HUGE_ID}", "page_size=²", "page_size=0"])
def test_an_overflowing_or_non_integer_ledger_api_parameter_is_a_400(people, query):
    response = client_for(people.district_leader).get(f"/api/v1/ledger/?{query}")  # section: SQLite overflowed
    assert response.status_code == 400 and response.json()


def test_an_overflowing_process_id_on_viewflows_pages_is_a_404(people):
    client = client_for(people.city_admin)
    assert client.get(f"/rectification/{HUGE_ID}/").status_code == 404  # SQLite: OverflowError
    assert client.get(f"/rectification/{HUGE_ID}/recheck/{HUGE_ID}/assign/").status_code == 404


# --- impossible dates ----------------------------------------------------------------------

@pytest.mark.parametrize("query", ["start=2026-02-30", "start=99999-01-01", "end=9999-12-31", "end=2026-13-01"])
def test_an_impossible_date_filter_is_a_400(people, query):
    for url in ("/reports/ledger/", "/reports/"):
        response = client_for(people.district_leader).get(f"{url}?{query}")
        assert response.status_code == 400 and "有效日期" in page_of(response), (url, query)


def test_the_last_day_of_year_9999_in_the_audit_viewer_is_a_form_error(people):
    response = client_for(people.city_admin).get("/security/audit/?date_to=9999-12-31")  # +1 day overflowed
    assert response.status_code == 200 and "日期应在" in page_of(response)


def test_an_impossible_campaign_period_is_a_400(people):
    response = client_for(people.city_leader).post("/draws/new/", {
        "title": "专项", "organiser": people.city_leader.memberships.first().organization_id,
        "period_start": "2026-02-30", "period_end": "2026-03-31"})
    assert response.status_code == 400 and "period_start" in page_of(response)


def test_an_impossible_extension_date_is_a_form_error(people, tree):
    order = issue(people, tree)
    order_sign(order=order, user=people.school_leader)
    response = client_for(people.school_staff).post(f"/orders/{order.pk}/extension/",
                                                    {"requested_deadline": "9999-12-31", "reason": "等待设备"})
    assert response.status_code in (302, 400) and not order.extensions.exists()


# --- JSON: depth and size ------------------------------------------------------------------

@pytest.mark.parametrize("depth", [JSON_MAX_DEPTH + 1, 100_000])
def test_deeply_nested_json_is_a_400_not_a_recursion_error(people, depth):
    body = "[" * depth + "]" * depth
    response = client_for(people.district_inspector).post("/api/v1/orders/", body, content_type="application/json")
    assert response.status_code == 400 and str(JSON_MAX_DEPTH) in response.json()["detail"]


def test_the_json_parser_itself_refuses_depth_and_never_recurses():
    with pytest.raises(ParseError):
        GuardedJSONParser().parse(io.BytesIO(b"[" * 50_000 + b"]" * 50_000))
    assert GuardedJSONParser().parse(io.BytesIO(b'{"a": [[1]]}')) == {"a": [[1]]}
    assert json_depth(b'{"text": "' + b"[" * 500 + b'"}') <= 1  # brackets inside a string do not count


def test_an_oversized_json_body_is_a_400(people):
    body = json.dumps({"requirements": "督" * 400_000})
    response = client_for(people.district_inspector).post("/api/v1/orders/", body, content_type="application/json")
    assert response.status_code == 400 and "过大" in response.json()["detail"]


# --- text longer than its field ------------------------------------------------------------

def test_an_overlong_report_is_refused_by_the_form(people, tree):
    order = issue(people, tree)
    order_sign(order=order, user=people.school_leader)
    client_for(people.school_staff).post(f"/orders/{order.pk}/report/", {"measures": "整" * 5001})
    assert not RectificationReport.objects.filter(order=order).exists()


def test_an_overlong_report_over_the_api_is_a_400_on_its_field(people, tree):
    order = issue(people, tree)
    order_sign(order=order, user=people.school_leader)
    response = client_for(people.school_staff).post(f"/api/v1/orders/{order.pk}/report/", {"measures": "整" * 5001})
    assert response.status_code == 400 and "measures" in response.json()


@pytest.mark.parametrize("url, data", [
    ("/clues/keys/", {"name": "钥" * 300}),                   # ClueAccessKey.name: varchar(100)
    ("/draws/conflicts/", {"reason": "曾" * 300}),            # Conflict.reason: varchar(200)
])
def test_text_over_a_varchar_length_is_a_message_not_a_database_error(people, tree, url, data):
    extra = {"organization": tree.city.pk, "school": tree.school_c.pk, "inspector": people.city_inspector.pk}
    response = client_for(people.city_admin).post(url, {**extra, **data}, follow=True)
    assert response.status_code == 200 and "最多" in page_of(response)
    assert not ClueAccessKey.objects.exists() and not Conflict.objects.exists()


def test_services_are_held_to_the_caps_too(people, tree):
    with pytest.raises(ValidationError) as refused:
        clue_key_issue(organization=tree.city, name="钥" * 101, user=people.city_admin)
    assert isinstance(refused.value, BadRequest)  # uncaught, it is a 400
    finding = Finding(description="问" * 4001, school=tree.school_a, found_by=people.district_inspector)
    with pytest.raises(ValidationError):
        finding.save()


def test_a_form_value_over_the_backstop_is_a_400(people):
    response = client_for(people.city_admin).post("/clues/keys/", {"name": "x" * 100_001})
    assert response.status_code == 400 and "过长" in page_of(response)


def test_a_username_longer_than_axes_column_is_a_failed_login_not_a_500(db):
    response = client_for().post("/accounts/login/", {"username": "督" * 300, "password": "whatever-1"})
    assert response.status_code == 200 and response.context["form"].errors


# Written by the system, never typed by a user: no cap needed.
SYSTEM_TEXT = {("inspections", "exportjob", "error"), ("notifications", "notification", "body"),
               ("notifications", "webhookdelivery", "last_error")}


def test_every_free_text_field_of_ours_has_a_length_cap():
    ours = ("organizations", "inspections", "notifications", "workflows", "security")
    missing = [f"{m._meta.label}.{f.name}" for app in ours for m in apps.get_app_config(app).get_models()
               for f in m._meta.concrete_fields
               if isinstance(f, (models.TextField, models.CharField)) and not f.max_length
               and (app, m._meta.model_name, f.name) not in SYSTEM_TEXT]
    assert not missing, missing
