"""Evidence people can trust, in headless Chromium: the school answers a finding with an "after" photo, the order
page shows it beside the visit's "before" photo, every displayed copy carries a watermark while the original is
kept byte for byte, and the hash check on the page turns into a mismatch when one stored byte changes."""
import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from inspections.models import Attachment, RectificationOrder
from inspections.orders.services import order_sign
from inspections.visits.services import (
    finding_photo_add, finding_record, item_result_record, visit_check_in, visit_review, visit_sign, visit_submit,
)

from .browser import PHONE, TABLET, login
from .test_browser_visits import PASSWORD, _wait_js, one_browser  # noqa: F401 (a fixture)
from .visits_helpers import items_of, plan, png_bytes, signature_url

pytestmark = pytest.mark.browser
SHOTS = "/tmp/h18"
BEFORE = png_bytes((640, 480), fmt="JPEG", background=(180, 40, 40, 255))
AFTER = png_bytes((640, 480), fmt="PNG", background=(40, 160, 60, 255))


def _order_with_a_photographed_finding(people, tree):
    visit = plan(people, tree)
    visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    finding = None
    for item in items_of(visit):
        failed = item.code == "A1"
        item_result_record(visit=visit, user=people.district_inspector, item=item, result="fail" if failed else "pass")
        if failed:
            finding = finding_record(visit=visit, user=people.district_inspector, item=item, description="消防通道堆放杂物")
    finding_photo_add(finding=finding, user=people.district_inspector, photo=SimpleUploadedFile("b.jpg", BEFORE),
                      sha256=hashlib.sha256(BEFORE).hexdigest())
    visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长",
               signature_data_url=signature_url())
    visit_submit(visit=visit, user=people.district_inspector)
    visit_review(visit=visit, user=people.district_leader, approve=True)
    order = RectificationOrder.objects.get(visit=visit)
    order_sign(order=order, user=people.school_leader)
    return order, finding


@pytest.fixture
def order(transactional_db, people, tree):
    return _order_with_a_photographed_finding(people, tree)


def test_before_and_after_photos_are_paired_watermarked_and_their_originals_verified(
        one_browser, order, live_server, people):
    order, finding = order
    base = live_server.url
    context = one_browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    login(page, base, "school_staff", PASSWORD)
    page.goto(f"{base}/orders/{order.pk}/")
    page.fill("#id_measures", "已清理消防通道并设置禁止堆放标识")
    page.set_input_files(f"#id_after_{finding.pk}", files=[{"name": "after.png", "mimeType": "image/png",
                                                             "buffer": AFTER}])
    page.click("button[name=submit_report]")
    pair = page.locator(f"[data-finding='{finding.pk}'] [data-pair]")
    pair.locator("[data-side=after] img").wait_for()
    _wait_js(page, "[...document.querySelectorAll('[data-pair] img')].every(i => i.complete && i.naturalWidth > 0)")
    page.locator("[data-pair]").scroll_into_view_if_needed()
    page.screenshot(path=f"{SHOTS}/pair-school-390.png", full_page=True)
    page.set_viewport_size(TABLET)
    page.screenshot(path=f"{SHOTS}/pair-school-768.png", full_page=True)
    after = Attachment.objects.get(answers_finding=finding)
    assert after.original.read() == AFTER and after.original_sha256 == hashlib.sha256(AFTER).hexdigest()
    context.close()

    context = one_browser.new_context(viewport=TABLET, locale="zh-CN")
    page = context.new_page()
    login(page, base, "district_inspector", PASSWORD)
    page.goto(f"{base}/orders/{order.pk}/")
    before = finding.attachments.get()
    shown = page.request.get(f"{base}/orders/{order.pk}/files/{before.pk}/")
    assert shown.headers["content-type"] == "image/jpeg" and shown.body() not in (BEFORE, before.file.read())
    pdf = PdfReader(io.BytesIO(page.request.get(f"{base}{reverse('reports:order-pdf', args=[order.pk])}").body()))
    last = pdf.pages[-1]
    assert "整改前后照片对照" in last.extract_text().replace(" ", "") and len(last.images) == 2  # the pair
    download = page.request.get(f"{base}/orders/{order.pk}/files/{before.pk}/original/")
    assert download.body() == BEFORE  # byte for byte, watermark-free
    box = page.locator(f"[data-evidence='{before.pk}']")
    box.locator("[data-verify]").click()
    _wait_js(page, f"document.querySelector(\"[data-evidence='{before.pk}'] .dd-evidence__result\").dataset.ok === 'yes'")
    assert "核验一致" in box.inner_text()

    with before.original.open("rb") as stored:
        data = bytearray(stored.read())
    data[len(data) // 2] ^= 0x01  # one bit of the stored original changes
    with open(before.original.path, "wb") as stored:
        stored.write(bytes(data))
    box.locator("[data-verify]").click()
    _wait_js(page, f"document.querySelector(\"[data-evidence='{before.pk}'] .dd-evidence__result\").dataset.ok === 'no'")
    assert "核验不一致" in box.inner_text()
    page.locator("[data-pair]").first.scroll_into_view_if_needed()
    page.screenshot(path=f"{SHOTS}/pair-mismatch-inspector-768.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=f"{SHOTS}/pair-mismatch-inspector-390.png", full_page=True)
    context.close()


def test_someone_who_may_not_see_the_order_gets_404_for_its_original_and_its_hash_check(order, people):
    order, finding = order
    before = finding.attachments.get()
    outsider = Client()
    outsider.force_login(people.other_school_staff)
    for what in ("original/", "verify/", ""):
        assert outsider.get(f"/orders/{order.pk}/files/{before.pk}/{what}").status_code == 404
    school = Client()
    school.force_login(people.school_staff)
    assert school.get(f"/orders/{order.pk}/files/{before.pk}/verify/").json()["ok"] is True
