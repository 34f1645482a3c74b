"""An order's detail carries its reports, re-checks and files: a client reads back what it submitted,
and every file link is the permission-checked download (others get 404 for the file and the order)."""
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from .orders_helpers import issue


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def jpeg(name="photo.jpg"):
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 30)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def reported_and_failed(people, tree):
    """Round 1: a report with a photo, approved at school, re-checked on paper with a photo: fail."""
    order = issue(people, tree)
    url = f"/api/v1/orders/{order.pk}"
    api(people.school_leader).post(f"{url}/sign/")
    api(people.school_staff).post(f"{url}/report/", {"measures": "已整改", "files": [jpeg("after.jpg")]},
                                  format="multipart")
    api(people.school_leader).post(f"{url}/approve/", {"decision": "approve"})
    answer = api(people.district_inspector).post(f"{url}/recheck/", {
        "method": "document", "result": "fail", "notes": "仍未整改", "files": [jpeg("recheck.jpg")]},
        format="multipart")
    assert answer.status_code == 200, answer.content
    return order, answer.json()


def test_detail_reads_back_the_report_and_the_recheck(people, tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    order, after_recheck = reported_and_failed(people, tree)
    detail = api(people.school_staff).get(f"/api/v1/orders/{order.pk}/").json()
    assert detail == {**after_recheck, "working_days_left": detail["working_days_left"]}  # actions answer the same
    [report], [recheck] = detail["reports"], detail["rechecks"]
    assert (report["round"], report["status"], report["measures"]) == (1, "approved", "已整改")
    assert report["submitted_by"] == "school_staff" and report["files"][0]["name"] == "after.jpg"
    assert (recheck["method"], recheck["result"], recheck["notes"]) == ("document", "fail", "仍未整改")
    assert recheck["files"][0]["content_type"] == "image/jpeg"
    assert detail["pdf_url"] == f"/reports/orders/{order.pk}/pdf/"


def test_file_links_download_for_who_sees_the_order_only(people, tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    order, detail = reported_and_failed(people, tree)
    links = [f for part in ("reports", "rechecks") for row in detail[part] for f in row["files"]]
    assert len(links) == 2 and all(f["url"].startswith(f"/orders/{order.pk}/files/") for f in links)
    for who in (people.school_staff, people.city_leader):
        client = APIClient()
        client.force_login(who)
        assert all(client.get(f["url"]).status_code == 200 for f in links)
        assert all(client.get(f["thumbnail"]).status_code == 200 for f in links)
    for outsider in (people.other_school_staff, people.outsider, people.other_district_inspector):
        client = APIClient()
        client.force_login(outsider)
        assert all(client.get(f["url"]).status_code == 404 for f in links)
        assert api(outsider).get(f"/api/v1/orders/{order.pk}/").status_code == 404


def test_a_fresh_order_has_no_reports_yet_and_its_findings_carry_file_links(people, tree):
    order = issue(people, tree)
    detail = api(people.district_inspector).get(f"/api/v1/orders/{order.pk}/").json()
    assert detail["reports"] == [] and detail["rechecks"] == []
    assert detail["findings"][0]["files"] == [] and detail["findings"][0]["attachments"] == []
