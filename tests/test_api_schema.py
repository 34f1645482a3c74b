"""The OpenAPI schema tells the truth: it validates, uploads are binary, lists declare their page shape,
and operation ids are stable and readable (`<resource>_<verb>`)."""
import re

import pytest
from django.test import Client
from openapi_spec_validator import validate


@pytest.fixture(scope="module")
def schema():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def test_the_schema_is_valid_openapi(schema):
    validate(schema)


def test_every_multipart_file_is_binary(schema):
    found = 0
    for path, method, op in operations(schema):
        body = op.get("requestBody", {}).get("content", {}).get("multipart/form-data")
        if not body:
            continue
        ref = body["schema"]["$ref"].rsplit("/", 1)[-1]
        for name, field in schema["components"]["schemas"][ref]["properties"].items():
            if field.get("type") == "array" and name in ("files", "photos"):
                assert field["items"] == {"type": "string", "format": "binary"}, (path, name)
                found += 1
    assert found >= 4  # report, re-check, finding, finding photos


def test_operation_ids_are_readable_and_unique(schema):
    ids = [op["operationId"] for _, _, op in operations(schema)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", i) for i in ids), ids  # no numeral suffixes, no "v1_"
    expected = {"orders_list", "orders_get", "orders_create", "orders_sign", "orders_report", "tasks_list",
                "visits_findings_create", "visits_findings_delete", "clues_list", "notifications_list",
                "notifications_unread_count", "notifications_mark_read", "notifications_mark_all_read",
                "organizations_list", "organizations_get", "schools_list", "schools_get", "me_get"}
    assert expected <= set(ids)


@pytest.mark.parametrize("path", ["/api/v1/clues/", "/api/v1/notifications/", "/api/v1/organizations/",
                                  "/api/v1/schools/", "/api/v1/tasks/"])
def test_new_lists_declare_results_and_next(schema, path):
    body = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert {"results", "next"} <= set(body["properties"])


def test_order_detail_declares_reports_rechecks_and_files(schema):
    detail = schema["components"]["schemas"]["OrderDetail"]["properties"]
    assert {"reports", "rechecks", "pdf_url", "findings"} <= set(detail)
    assert detail["reports"]["items"]["$ref"].endswith("/ReportOut")
