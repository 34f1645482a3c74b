"""The visits API: shapes, status codes 400/403/404/409, client UUID replay, photos, OpenAPI."""
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from inspections.models import Attachment, Finding, RectificationOrder, Visit, VisitItemResult

from .visits_helpers import conduct, items_of, plan, png_bytes, signature_url


def api(user):
    client = APIClient()
    client.force_login(user)  # session, so the protected media pages work too
    return client


def checked_in(people, tree, **kw):
    visit = plan(people, tree, **kw)
    r = api(people.district_inspector).post(f"/api/v1/visits/{visit.pk}/check-in/",
                                            {"geo_status": "ok", "latitude": 36.55, "longitude": 116.75,
                                             "accuracy": 15}, format="json")
    assert r.status_code == 200, r.content
    return visit


def test_inspector_lists_and_reads_a_visit_with_its_checklist(people, tree):
    visit = plan(people, tree)
    rows = api(people.district_inspector).get("/api/v1/visits/").json()["results"]
    assert [r["id"] for r in rows] == [visit.pk]
    detail = api(people.district_inspector).get(f"/api/v1/visits/{visit.pk}/").json()
    assert sum(len(s["items"]) for s in detail["sections"]) == 31
    assert [m["is_lead"] for m in detail["team"]].count(True) == 1


def test_check_in_twice_answers_409_and_bad_coordinates_400(people, tree):
    visit = checked_in(people, tree)
    client = api(people.district_inspector)
    assert client.post(f"/api/v1/visits/{visit.pk}/check-in/", {"geo_status": "denied"}, format="json").status_code == 409
    other = plan(people, tree)
    r = client.post(f"/api/v1/visits/{other.pk}/check-in/", {"geo_status": "ok", "latitude": 95, "longitude": 10},
                    format="json")
    assert r.status_code == 400 and "latitude" in r.json()
    assert Visit.objects.get(pk=other.pk).checkin_at is None


def test_check_in_by_school_staff_is_403_and_by_another_district_404(people, tree):
    visit = plan(people, tree)
    body = {"geo_status": "denied"}
    assert api(people.school_staff).post(f"/api/v1/visits/{visit.pk}/check-in/", body, format="json").status_code == 403
    assert api(people.other_district_inspector).post(f"/api/v1/visits/{visit.pk}/check-in/", body,
                                                     format="json").status_code == 404


def test_result_is_saved_as_given_and_an_item_of_another_template_is_400(people, tree):
    visit = checked_in(people, tree)
    item = items_of(visit)[3]
    client = api(people.district_inspector)
    r = client.post(f"/api/v1/visits/{visit.pk}/results/", {"item": item.pk, "result": "fail", "note": "档案缺失"},
                    format="json")
    assert r.status_code == 200 and r.json()["result"] == "fail"
    assert VisitItemResult.objects.get().note == "档案缺失"
    r = client.post(f"/api/v1/visits/{visit.pk}/results/", {"item": 999999, "result": "pass"}, format="json")
    assert r.status_code == 400 and "item" in r.json()
    r = client.post(f"/api/v1/visits/{visit.pk}/results/", {"item": item.pk, "result": "maybe"}, format="json")
    assert r.status_code == 400
    assert VisitItemResult.objects.count() == 1


def test_school_user_recording_results_is_refused(people, tree):
    visit = checked_in(people, tree)
    r = api(people.school_staff).post(f"/api/v1/visits/{visit.pk}/results/",
                                      {"item": items_of(visit)[0].pk, "result": "pass"}, format="json")
    assert r.status_code == 403 and not VisitItemResult.objects.exists()


def test_finding_with_photos_and_replay_by_client_uuid(people, tree):
    visit = checked_in(people, tree)
    item = items_of(visit)[0]
    key = str(uuid.uuid4())

    def post():
        return api(people.district_inspector).post(f"/api/v1/visits/{visit.pk}/findings/", {
            "client_uuid": key, "item": item.pk, "description": "招生简章未备案",
            "photos": [SimpleUploadedFile("a.png", png_bytes(), "image/png"),
                       SimpleUploadedFile("b.jpg", png_bytes(fmt="JPEG"), "image/jpeg")],
        }, format="multipart")

    first, again = post(), post()
    assert first.status_code == 201, first.content
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Finding.objects.count() == 1 and Attachment.objects.count() == 2
    body = first.json()
    assert body["severity"] == item.severity and len(body["photos"]) == 2
    thumb = api(people.district_inspector).get(body["photos"][0]["thumbnail"])
    assert thumb.status_code == 200


def test_photo_that_is_not_an_image_is_400_and_nothing_is_stored(people, tree):
    visit = checked_in(people, tree)
    r = api(people.district_inspector).post(f"/api/v1/visits/{visit.pk}/findings/", {
        "description": "x", "photos": [SimpleUploadedFile("evil.png", b"%PDF-1.4 not an image", "image/png")],
    }, format="multipart")
    assert r.status_code == 400 and "photos" in r.json()
    assert not Finding.objects.exists() and not Attachment.objects.exists()


def test_photos_of_a_visit_are_not_served_to_other_schools(people, tree):
    visit = checked_in(people, tree)
    r = api(people.district_inspector).post(f"/api/v1/visits/{visit.pk}/findings/", {
        "description": "x", "photos": [SimpleUploadedFile("a.png", png_bytes(), "image/png")]}, format="multipart")
    url = r.json()["photos"][0]["url"]
    assert api(people.other_school_staff).get(url).status_code == 404
    assert api(people.school_staff).get(url).status_code == 200  # a routine visit's record is the school's too


def test_sign_with_a_bad_data_url_is_400_and_a_good_one_moves_on(people, tree):
    visit = plan(people, tree)
    conduct(visit, people.district_inspector, fail_codes=())
    client = api(people.district_inspector)
    r = client.post(f"/api/v1/visits/{visit.pk}/sign/", {"representative_name": "郑校长",
                                                         "signature": "data:image/gif;base64,R0lGOD"}, format="json")
    assert r.status_code == 400 and "signature" in r.json()
    r = client.post(f"/api/v1/visits/{visit.pk}/sign/", {"representative_name": "郑校长",
                                                         "signature": signature_url()}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "signed"
    assert client.get(f"/visits/{visit.pk}/signature.png").status_code == 200


def test_submit_and_review_through_the_api_issue_the_findings_orders(people, tree):
    visit = plan(people, tree)
    conduct(visit, people.district_inspector, fail_codes=("A1", "A2"))
    lead = api(people.district_inspector)
    lead.post(f"/api/v1/visits/{visit.pk}/sign/", {"representative_name": "郑校长", "signature": signature_url()},
              format="json")
    assert api(people.school_staff).post(f"/api/v1/visits/{visit.pk}/submit/", {}, format="json").status_code == 403
    assert lead.post(f"/api/v1/visits/{visit.pk}/submit/", {"summary": "见问题清单"}, format="json").status_code == 200
    leader = api(people.district_leader)
    r = leader.post(f"/api/v1/visits/{visit.pk}/review/", {"decision": "return"}, format="json")
    assert r.status_code == 400 and "reason" in r.json()
    assert api(people.other_district_leader).post(f"/api/v1/visits/{visit.pk}/review/", {"decision": "approve"},
                                                  format="json").status_code == 404
    findings = list(Finding.objects.filter(visit=visit))
    bad = {"decision": "approve", "plans": [{"finding": findings[0].pk, "working_days": 0}]}
    r = leader.post(f"/api/v1/visits/{visit.pk}/review/", bad, format="json")
    assert r.status_code == 400 and "plans" in r.json()
    same = [{"finding": f.pk, "working_days": 7, "requirement": f"整改{f.pk}"} for f in findings]
    assert leader.post(f"/api/v1/visits/{visit.pk}/review/", {"decision": "approve", "plans": same},
                       format="json").status_code == 200
    order = RectificationOrder.objects.get()  # the same deadline for both: one order
    assert order.findings.count() == 2 and all(f"整改{f.pk}" in order.requirements for f in findings)
    r = lead.post(f"/api/v1/visits/{visit.pk}/findings/", {"description": "补记"}, format="multipart")
    assert r.status_code == 409
    assert leader.post(f"/api/v1/visits/{visit.pk}/review/", {"decision": "approve"}, format="json").status_code == 409


def test_openapi_schema_documents_the_visit_endpoints(people, client):
    client.force_login(people.district_inspector)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for endpoint in ("/api/v1/visits/", "/api/v1/visits/{id}/check-in/", "/api/v1/visits/{id}/findings/",
                     "/api/v1/visits/{id}/sign/", "/api/v1/visits/{id}/review/"):
        assert endpoint in schema
    assert '"409"' in schema or "'409'" in schema or "409:" in schema
