"""Offline in headless Chromium (context.set_offline): findings with photos recorded with the network off,
one deleted, the page reloaded offline (service worker), then online: the server holds exactly the right
findings, photos and answers, once each, and each stored photo is byte for byte what the page sent.
A write for a visit the inspector can no longer see is answered 404 and stays on the tablet as failed."""
import base64
import hashlib
import io
import time

import pytest
from django.utils import timezone
from PIL import Image

from inspections.checklists.services import checklist_load_standard
from inspections.models import Attachment, ClientWrite, Finding, Visit, VisitItemResult
from inspections.visits.services import visit_check_in, visit_plan

from .browser import TABLET, login
from .test_browser_visits import PASSWORD, _wait_js, one_browser  # noqa: F401 (a fixture)
from .visits_helpers import png_bytes

pytestmark = pytest.mark.browser


@pytest.fixture
def visit(transactional_db, people, tree):
    checklist_load_standard()
    planned = visit_plan(school=tree.school_a, planned_date=timezone.localdate(), lead=people.district_inspector,
                         planned_by=people.district_inspector)
    return visit_check_in(visit=planned, user=people.district_inspector, geo_status="denied")


OUTBOX = """() => new Promise(ok => { const r = indexedDB.open('dudao-outbox');
    r.onsuccess = () => { const q = r.result.transaction('writes').objectStore('writes').getAll();
    q.onsuccess = () => ok(q.result); }; })"""

PHOTOS_QUEUED = OUTBOX.replace("ok(q.result)", """Promise.all(q.result.filter(e => e.kind === 'photo').map(e =>
    e.blob.arrayBuffer().then(b => btoa(String.fromCharCode(...new Uint8Array(b)))))).then(ok)""")


def _photos_queued(page) -> list[bytes]:
    """The photo bytes waiting in the outbox: what the page will send (Chromium does not show blob upload
    bodies to the test, so they are read where the page keeps them)."""
    return [base64.b64decode(b) for b in page.evaluate(PHOTOS_QUEUED)]


def _open_offline_ready(page, base, visit):
    login(page, base, "district_inspector", PASSWORD)
    page.goto(f"{base}/visits/{visit.pk}/conduct/")
    _wait_js(page, "!!document.documentElement.dataset.vsOfflineReady", timeout=30)


def _record_finding(page, code, text, photos, queued_text="已暂存在本机"):
    article = page.locator(f".vs-item[data-code={code}]")
    article.locator(".vs-choice--fail").click()
    page.locator("#vs-finding-dialog").wait_for(state="visible")
    page.fill("#vs-finding-form textarea[name=description]", text)
    page.set_input_files("#vs-finding-form input[name=photos]", files=photos)
    page.click("#vs-finding-save")
    page.locator("#vs-finding-dialog").wait_for(state="hidden")
    card = article.locator(".vs-finding", has_text=text)
    card.locator(".vs-thumbs img").nth(len(photos) - 1).wait_for()
    if queued_text:
        assert queued_text in card.inner_text()
    return card


def _big_photo(name, colour):
    return {"name": name, "mimeType": "image/png", "buffer": png_bytes((2400, 1800), background=colour)}


def test_offline_findings_photos_and_a_deletion_survive_a_reload_and_arrive_once(one_browser, visit, live_server,
                                                                                 tmp_path):
    context = one_browser.new_context(viewport=TABLET, locale="zh-CN", service_workers="allow")
    uploads = []
    context.on("requestfinished", lambda r: uploads.append(r.url)
               if r.method == "POST" and r.url.endswith("/photo/") and r.response().status == 201 else None)
    page = context.new_page()
    _open_offline_ready(page, live_server.url, visit)
    context.set_offline(True)

    cards = {}
    for n, code in enumerate(["A1", "A2", "A3"]):
        cards[code] = _record_finding(page, code, f"{code} 离线记录的问题",
                                      [_big_photo(f"{code}-1.png", (200, 40 * n, 0, 255)),
                                       _big_photo(f"{code}-2.png", (0, 40 * n, 200, 255))])
    for code in ("A4", "A5"):
        page.locator(f".vs-item[data-code={code}] .vs-choice--pass").click()
    page.fill(".vs-item[data-code=A5] .vs-note-input", "离线填写的说明")
    page.wait_for_timeout(1000)  # the note's debounce
    page.once("dialog", lambda d: d.accept())
    cards["A2"].locator(".vs-finding__remove").click()
    cards["A2"].wait_for(state="hidden")
    assert page.locator("#vs-sync").get_attribute("data-state") == "waiting"
    page.screenshot(path=str(tmp_path / "offline-before-reload.png"), full_page=True)
    assert not Finding.objects.exists() and not VisitItemResult.objects.exists()  # nothing got through

    page.reload()  # offline: the service worker's copy, with the outbox drawn over it
    page.locator("#vs-conduct").wait_for()
    page.locator(".vs-item[data-code=A3] .vs-finding .vs-thumbs img").nth(1).wait_for()
    assert page.locator(".vs-item[data-code=A2] .vs-finding:not([hidden])").count() == 0
    assert page.inner_text("#vs-progress") == "5/31"
    assert page.input_value(".vs-item[data-code=A5] .vs-note-input") == "离线填写的说明"
    assert "待上传" in page.inner_text("#vs-sync")
    page.screenshot(path=str(tmp_path / "offline-after-reload.png"), full_page=True)
    assert not Finding.objects.exists()
    sent = _photos_queued(page)
    assert len(sent) == 6  # the deleted finding's two photos are still queued: replay is in order

    context.set_offline(False)
    _wait_js(page, "document.documentElement.dataset.vsOutbox === '0'", timeout=60)
    assert page.locator("#vs-sync").get_attribute("data-state") == "synced"
    page.screenshot(path=str(tmp_path / "online-synced.png"), full_page=True)

    findings = Finding.objects.filter(visit=visit).order_by("item__code")
    assert [f.item.code for f in findings] == ["A1", "A3"]
    assert [f.description for f in findings] == ["A1 离线记录的问题", "A3 离线记录的问题"]
    stored = Attachment.objects.filter(findings__in=findings)
    assert stored.count() == 4 and len(uploads) == 6  # the deleted finding's photos went up, then it went
    assert Attachment.objects.count() == 6 and ClientWrite.objects.filter(action="photo").count() == 6
    queued = {hashlib.sha256(b).hexdigest() for b in sent}
    assert {a.original_sha256 for a in stored} <= queued and len(queued) == 6
    for a in stored:
        original = a.original.read()
        assert hashlib.sha256(original).hexdigest() == a.original_sha256
        assert max(Image.open(io.BytesIO(original)).size) == 1600  # resized on the device
    answers = {r.item.code: (r.result, r.note) for r in VisitItemResult.objects.filter(visit=visit)}
    assert answers == {"A1": ("fail", ""), "A2": ("fail", ""), "A3": ("fail", ""), "A4": ("pass", ""),
                       "A5": ("pass", "离线填写的说明")}
    assert ClientWrite.objects.filter(action="delete").count() == 1
    context.close()


def test_a_write_for_a_visit_no_longer_visible_is_404_and_stays_on_the_tablet(one_browser, visit, live_server,
                                                                               tree, tmp_path):
    context = one_browser.new_context(viewport=TABLET, locale="zh-CN", service_workers="allow")
    page = context.new_page()
    _open_offline_ready(page, live_server.url, visit)
    context.set_offline(True)
    _record_finding(page, "A1", "学校已移交其他区", [_big_photo("a.png", (10, 120, 10, 255))])
    # moved to another district's school and off this inspector's team: now out of his sight
    Visit.objects.filter(pk=visit.pk).update(school=tree.school_b)
    visit.members.all().delete()
    context.set_offline(False)
    _wait_js(page, "document.getElementById('vs-sync').dataset.state === 'failed'", timeout=60)
    failures = page.inner_text(".vs-sync__failures")
    assert "未被接受" in failures
    # the panel turns "failed" at the first refusal; the later writes are still being tried (slower on PostgreSQL)
    _wait_until(lambda: all("status" in e for e in page.evaluate(OUTBOX)), timeout=60)
    page.screenshot(path=str(tmp_path / "failed-404.png"), full_page=True)
    page.reload()  # online now: the server's 404 page; the tablet still holds the writes
    kept = [(e["kind"], e["state"], e["status"]) for e in page.evaluate(OUTBOX)]
    assert sorted(kept) == [("finding", "failed", 404), ("photo", "failed", 404), ("result", "failed", 404)]
    assert not Finding.objects.exists()
    context.close()


def _wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the outbox"
        time.sleep(0.25)


def _draw(page):
    box = page.locator("#vs-pad").bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 100)
    page.mouse.down()
    for step in range(1, 20):
        page.mouse.move(box["x"] + 40 + step * 12, box["y"] + 100 - (step % 5) * 12)
    page.mouse.up()


def test_signature_and_submission_made_offline_arrive_once_when_back_online(one_browser, visit, live_server, people,
                                                                            tmp_path):
    from .visits_helpers import items_of
    from inspections.visits.services import item_result_record
    for item in items_of(visit):
        item_result_record(visit=visit, user=people.district_inspector, item=item, result="pass")
    context = one_browser.new_context(viewport=TABLET, locale="zh-CN", service_workers="allow")
    page = context.new_page()
    login(page, live_server.url, "district_inspector", PASSWORD)
    page.goto(f"{live_server.url}/visits/{visit.pk}/sign/")
    _wait_js(page, "!!document.documentElement.dataset.vsOfflineReady", timeout=30)
    context.set_offline(True)
    page.fill("#vs-rep-name", "郑校长")
    _draw(page)
    page.click("#vs-sign-save")
    page.wait_for_url(f"**/visits/{visit.pk}/summary/")  # offline: on to the summary, drawn from the outbox
    page.locator("#vs-summary[data-vs-drawn=signed]").wait_for()
    assert "已暂存在本机" in page.inner_text("#vs-sum-local-sign")
    page.screenshot(path=str(tmp_path / "sign-offline.png"), full_page=True)
    assert Visit.objects.get().status == Visit.Status.IN_PROGRESS
    context.set_offline(False)
    _wait_js(page, "document.documentElement.dataset.vsOutbox === '0'", timeout=60)
    assert Visit.objects.get().status == Visit.Status.SIGNED
    page.reload()  # the server's summary of a signed visit

    _wait_js(page, "!!document.documentElement.dataset.vsOfflineReady", timeout=30)
    context.set_offline(True)
    page.fill("textarea[name=summary]", "离线填写的检查意见")
    page.click("#vs-submit")
    _wait_js(page, "document.querySelector('#vs-submit-form .vs-form-error').textContent.includes('已暂存在本机')")
    assert Visit.objects.get().status == Visit.Status.SIGNED
    context.set_offline(False)
    page.wait_for_url(f"**/visits/{visit.pk}/", timeout=60000)
    done = Visit.objects.get()
    assert done.status == Visit.Status.SUBMITTED and done.summary == "离线填写的检查意见"
    assert done.representative_name == "郑校长"
    assert [w.action for w in ClientWrite.objects.order_by("applied_at")] == ["sign", "submit"]
    context.close()
