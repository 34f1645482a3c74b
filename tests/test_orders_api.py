"""The orders API: status codes, idempotency, evidence uploads, tasks, schema; SQL queries per action."""
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from rest_framework.test import APIClient

from inspections.models import Attachment, RectificationOrder

from .orders_helpers import actions, issue

QUERIES = {}


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def jpeg(name="photo.jpg", size=(64, 48)):
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def counted(label, call):
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    QUERIES[label] = len(ctx.captured_queries)
    print(f"QUERIES {label}: {QUERIES[label]}")  # the numbers for the report (pytest -s)
    return response


def post_order(user, school, client_uuid=None):
    body = {"school": school.pk, "requirements": "限期整改",
            "findings": [{"description": "灭火器过期", "severity": "serious"}]}
    if client_uuid:
        body["client_uuid"] = str(client_uuid)
    return api(user).post("/api/v1/orders/", body, format="json")


def test_inspector_issues_an_order_once_per_client_uuid(people, tree):
    key = uuid.uuid4()
    first = counted("POST /orders/ (issue)", lambda: post_order(people.district_inspector, tree.school_a, key))
    again = post_order(people.district_inspector, tree.school_a, key)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert RectificationOrder.objects.count() == 1
    assert first.json()["number"].endswith("〔%s〕1号" % first.json()["issued_at"][:4])


def test_issuing_to_a_school_of_another_district_is_refused(people, tree):
    assert post_order(people.other_district_inspector, tree.school_a).status_code == 400  # not a school they see
    assert post_order(people.school_leader, tree.school_a).status_code == 403
    bad = api(people.district_inspector).post("/api/v1/orders/", {"school": tree.school_a.pk, "findings": []},
                                              format="json")
    assert bad.status_code == 400 and "findings" in bad.json()


def test_invisible_order_is_404_visible_but_not_yours_403_wrong_state_409(people, tree):
    order = issue(people, tree)
    assert api(people.other_school_staff).get(f"/api/v1/orders/{order.pk}/").status_code == 404
    assert api(people.other_school_staff).post(f"/api/v1/orders/{order.pk}/sign/").status_code == 404
    assert api(people.other_district_inspector).post(f"/api/v1/orders/{order.pk}/sign/").status_code == 404
    assert api(people.school_staff).post(f"/api/v1/orders/{order.pk}/sign/").status_code == 403
    recheck = {"method": "on_site", "result": "pass"}
    assert api(people.district_inspector).post(f"/api/v1/orders/{order.pk}/recheck/", recheck).status_code == 409
    assert counted("POST sign", lambda: api(people.school_leader).post(
        f"/api/v1/orders/{order.pk}/sign/")).status_code == 200
    assert api(people.school_leader).post(f"/api/v1/orders/{order.pk}/sign/").status_code == 409


def test_school_path_over_http_with_a_photo(people, tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    order = issue(people, tree)
    api(people.school_leader).post(f"/api/v1/orders/{order.pk}/sign/")
    response = counted("POST report (1 photo)", lambda: api(people.school_staff).post(
        f"/api/v1/orders/{order.pk}/report/", {"measures": "已整改", "files": [jpeg()]}, format="multipart"))
    assert response.status_code == 200, response.content
    attachment = order.reports.get().attachments.get()
    assert attachment.kind == "image" and attachment.thumbnail
    assert not attachment.file.name.endswith("photo.jpg")  # random storage name
    response = counted("POST approve (report)", lambda: api(people.school_leader).post(
        f"/api/v1/orders/{order.pk}/approve/", {"decision": "approve"}))
    assert response.json()["status"] == "rechecking"
    response = counted("POST recheck", lambda: api(people.district_inspector).post(
        f"/api/v1/orders/{order.pk}/recheck/", {"method": "on_site", "result": "pass"}))
    assert response.json()["status"] == "closure_review"
    response = counted("POST approve (closure)", lambda: api(people.district_leader).post(
        f"/api/v1/orders/{order.pk}/approve/", {}))
    assert response.json()["status"] == "closed"
    detail = counted("GET order detail", lambda: api(people.school_staff).get(f"/api/v1/orders/{order.pk}/"))
    assert [e["action"] for e in detail.json()["timeline"]] == actions(order)
    counted("GET orders list", lambda: api(people.district_leader).get("/api/v1/orders/"))


def test_renamed_executable_is_refused_and_nothing_is_saved(people, tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    order = issue(people, tree)
    api(people.school_leader).post(f"/api/v1/orders/{order.pk}/sign/")
    exe = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/jpeg")
    response = api(people.school_staff).post(f"/api/v1/orders/{order.pk}/report/",
                                             {"measures": "已整改", "files": [jpeg("ok.jpg"), exe]}, format="multipart")
    assert response.status_code == 400
    assert "不支持的文件类型" in str(response.json())
    assert Attachment.objects.count() == 0 and order.reports.count() == 0
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_oversize_upload_is_refused(people, tree, settings, tmp_path):
    settings.MEDIA_ROOT, settings.UPLOAD_MAX_BYTES = tmp_path, 2048
    order = issue(people, tree)
    api(people.school_leader).post(f"/api/v1/orders/{order.pk}/sign/")
    response = api(people.school_staff).post(f"/api/v1/orders/{order.pk}/report/",
                                             {"measures": "x", "files": [jpeg(size=(400, 400))]}, format="multipart")
    assert response.status_code == 400 and "文件过大" in str(response.json())
    assert Attachment.objects.count() == 0 and not any(p.is_file() for p in tmp_path.rglob("*"))


def test_pdf_is_accepted_as_a_document(people, tree, settings, tmp_path):
    from inspections.evidence.services import attachment_create

    settings.MEDIA_ROOT = tmp_path
    pdf = SimpleUploadedFile("report.bin", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    attachment = attachment_create(upload=pdf, organization=tree.school_a, uploaded_by=people.school_staff)
    assert (attachment.kind, attachment.extension) == ("document", "pdf")
    with pytest.raises(Exception):
        attachment_create(upload=jpeg(), organization=tree.school_a, uploaded_by=people.other_school_staff)


def test_tasks_endpoint_and_extension_decision(people, tree):
    order = issue(people, tree)
    tasks = counted("GET tasks", lambda: api(people.school_leader).get("/api/v1/tasks/")).json()
    assert [(t["kind"], t["order"]) for t in tasks["results"]] == [("sign", order.pk)]
    assert tasks["next"] is None
    assert api(people.other_school_staff).get("/api/v1/tasks/").json() == {"results": [], "next": None}
    ext = api(people.school_staff).post(f"/api/v1/orders/{order.pk}/extension/",
                                        {"requested_deadline": "2099-12-31", "reason": "施工"})
    assert ext.status_code == 201
    url = f"/api/v1/extensions/{ext.json()['id']}/decide/"
    assert api(people.other_district_leader).post(url, {"approve": True}).status_code == 404
    assert api(people.district_inspector).post(url, {"approve": True}).status_code == 403
    decided = counted("POST extension decide", lambda: api(people.district_leader).post(url, {"approve": True}))
    assert decided.status_code == 200 and decided.json()["due_at"].startswith("2099-12-31")
    assert api(people.district_leader).post(url, {"approve": False}).status_code == 409


def test_tasks_page_through_by_keyset_without_gaps_or_repeats(people, tree, monkeypatch):
    monkeypatch.setattr("workflows.tasks.TASK_PAGE", 2)
    orders = [issue(people, tree) for _ in range(5)]
    seen, url, pages = [], "/api/v1/tasks/", 0
    while url:
        page = api(people.school_leader).get(url).json()
        seen += [t["order"] for t in page["results"]]
        url, pages = page["next"], pages + 1
    assert seen == [o.pk for o in orders] and pages == 3
    assert api(people.other_school_staff).get("/api/v1/tasks/").json()["results"] == []


def test_tasks_refuse_a_malformed_page_key(people):
    response = api(people.school_leader).get("/api/v1/tasks/?after=abc")
    assert response.status_code == 400 and "after" in response.json()


def test_schema_documents_the_order_actions(people, client):
    client.force_login(people.city_admin)
    schema = client.get("/api/schema/").content.decode()
    for route in ("/api/v1/orders/", "/api/v1/orders/{id}/report/", "/api/v1/orders/{id}/approve/",
                  "/api/v1/tasks/", "/api/v1/extensions/{id}/decide/"):
        assert route in schema

