"""Offline visits in headless Chromium, beyond findings (tests/test_visits_offline_browser.py): a check-in made
offline, a tablet restarted offline, a sync cut midway, and the conflict rules of static/dudao/visit.js.
Each test asserts on the server that nothing typed on the tablet was lost and nothing arrived twice."""
import io
import os
import time

import pytest
from django.utils import timezone

from inspections.checklists.services import checklist_load_standard
from inspections.models import ClientWrite, Finding, RectificationOrder, Visit, VisitItemResult
from inspections.visits.services import (
    finding_record, item_result_record, visit_check_in, visit_plan, visit_review, visit_sign, visit_submit,
)

from .browser import ARGS, CHROMIUM, TABLET, login
from .test_browser_visits import JINAN, PASSWORD, _wait_js, one_browser  # noqa: F401 (a fixture)
from .test_visits_offline_browser import OUTBOX
from .visits_helpers import items_of, signature_url

pytestmark = pytest.mark.browser
SHOTS = "/tmp/h18"


@pytest.fixture
def planned(transactional_db, people, tree):
    checklist_load_standard()
    return visit_plan(school=tree.school_a, planned_date=timezone.localdate(), lead=people.district_inspector,
                      members=[people.city_inspector], planned_by=people.district_inspector)


def _ready(page, url):
    page.goto(url)
    _wait_js(page, "!!document.documentElement.dataset.vsOfflineReady", timeout=60)


def _outbox(page) -> list[dict]:
    return page.evaluate(OUTBOX.replace("ok(q.result)", "ok(q.result.map(e => ({kind: e.kind, state: e.state,"
                                        " status: e.status, uuid: e.uuid, error: e.error})))"))


def _synced(page, timeout=60):
    _wait_js(page, "document.documentElement.dataset.vsOutbox === '0'", timeout=timeout)


def _shot(page, name):
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _replay(page, url, body) -> dict:
    """The same write sent again from the tablet, as a lost answer's retry would send it."""
    return page.evaluate("""([url, body]) => fetch(url, {method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'Accept': 'application/json',
                  'X-CSRFToken': decodeURIComponent(document.cookie.match(/csrftoken=([^;]+)/)[1])},
        body: JSON.stringify(body)}).then(r => ({status: r.status, replayed: r.headers.get('Idempotent-Replayed')}))""",
                         [url, body])


def _to_order(visit, people):
    """The rest of the visit on the server, up to the order its review issues."""
    for item in items_of(visit):
        failed = item.code == "A1"
        item_result_record(visit=visit, user=people.district_inspector, item=item, result="fail" if failed else "pass")
        if failed:
            finding_record(visit=visit, user=people.district_inspector, item=item, description="A1 不符合要求")
    visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长",
               signature_data_url=signature_url())
    visit_submit(visit=visit, user=people.district_inspector)
    visit_review(visit=visit, user=people.district_leader, approve=True)
    return RectificationOrder.objects.get(visit=visit)


def test_a_check_in_made_offline_keeps_device_time_and_position_and_is_shown_as_captured_offline(
        one_browser, planned, live_server, people, tmp_path):
    context = one_browser.new_context(viewport=TABLET, locale="zh-CN", service_workers="allow",
                                      geolocation=JINAN, permissions=["geolocation"])
    page = context.new_page()
    base = live_server.url
    login(page, base, "district_inspector", PASSWORD)
    _ready(page, f"{base}/visits/{planned.pk}/")
    context.set_offline(True)
    pressed = timezone.now()
    page.click("#vs-checkin")
    page.wait_for_url(f"**/visits/{planned.pk}/conduct/**")  # the service worker's copy of the checklist
    state = page.locator("#vs-checkin-state")
    state.wait_for()
    assert "已暂存在本机" in state.inner_text()
    page.locator(".vs-item[data-code=A1] .vs-choice--pass").click()
    page.locator(".vs-item[data-code=A1] .vs-item__status[data-kind=queued]").wait_for()
    _shot(page, "checkin-offline-conduct-768")
    assert Visit.objects.get().status == Visit.Status.PLANNED  # nothing reached the server
    kept = _outbox(page)
    assert [e["kind"] for e in kept] == ["checkin", "result"]

    context.set_offline(False)
    _synced(page)
    visit = Visit.objects.get()
    assert visit.status == Visit.Status.IN_PROGRESS and visit.checkin_offline
    assert pressed - timezone.timedelta(seconds=2) <= visit.checkin_device_at <= visit.checkin_at
    assert visit.checkin_geo_status == "ok" and float(visit.checkin_latitude) == JINAN["latitude"]
    assert VisitItemResult.objects.get(visit=visit).item.code == "A1"
    assert ClientWrite.objects.filter(action="check_in").count() == 1
    replay = _replay(page, f"{base}/visits/{visit.pk}/check-in/",
                     {"client_uuid": kept[0]["uuid"], "geo_status": "denied", "captured_offline": False})
    assert replay == {"status": 200, "replayed": "true"}
    assert Visit.objects.get().checkin_geo_status == "ok"  # the replay changed nothing

    page.goto(f"{base}/visits/{visit.pk}/")
    assert "离线采集" in page.inner_text("[data-checkin]")
    _shot(page, "checkin-offline-detail-768")
    order = _to_order(visit, people)
    page.goto(f"{base}/orders/{order.pk}/")
    assert "离线采集" in page.inner_text("[data-source-visit]")
    _shot(page, "checkin-offline-order-768")
    context.close()


@pytest.fixture
def checked_in(planned, people):
    return visit_check_in(visit=planned, user=people.district_inspector, geo_status="denied")


def _tablet(one_browser, user_data_dir, offline=False):
    """A tablet's browser with its own profile on disk: closing it and opening it again is a restart.

    `offline`: switched on before the browser starts, so nothing restored with the profile (a page, the service
    worker) can reach the server in the moment before a later set_offline would take effect."""
    return one_browser.browser_type.launch_persistent_context(
        str(user_data_dir), executable_path=CHROMIUM, args=ARGS, headless=True, viewport=TABLET, locale="zh-CN",
        service_workers="allow", offline=offline)


def _photo(name, colour):
    from .visits_helpers import png_bytes
    return {"name": name, "mimeType": "image/png", "buffer": png_bytes((800, 600), background=colour)}


def _finding(page, code, text, photos=()):
    article = page.locator(f".vs-item[data-code={code}]")
    article.locator(".vs-choice--fail").click()
    page.locator("#vs-finding-dialog").wait_for(state="visible")
    page.fill("#vs-finding-form textarea[name=description]", text)
    if photos:
        page.set_input_files("#vs-finding-form input[name=photos]", files=list(photos))
    page.click("#vs-finding-save")
    page.locator("#vs-finding-dialog").wait_for(state="hidden")
    return article.locator(".vs-finding", has_text=text)


def test_a_tablet_restarted_offline_opens_the_visit_from_its_cache_with_the_queued_work_still_waiting(
        one_browser, checked_in, live_server, tmp_path):
    base, profile = live_server.url, tmp_path / "tablet-profile"
    context = _tablet(one_browser, profile)
    page = context.pages[0]
    login(page, base, "district_inspector", PASSWORD)
    _ready(page, f"{base}/visits/{checked_in.pk}/conduct/")
    context.set_offline(True)
    _finding(page, "A1", "重启前记录的问题", [_photo("a1.png", (200, 30, 30, 255))])
    page.locator(".vs-item[data-code=A2] .vs-choice--pass").click()
    page.locator(".vs-item[data-code=A2] .vs-item__status[data-kind=queued]").wait_for()
    page.reload()
    page.locator(".vs-finding", has_text="重启前记录的问题").wait_for()
    context.close()  # the tablet is switched off while still offline

    context = _tablet(one_browser, profile, offline=True)
    page = context.pages[0]
    page.goto(f"{base}/visits/{checked_in.pk}/conduct/")
    card = page.locator(".vs-finding", has_text="重启前记录的问题")
    card.locator(".vs-thumbs img").wait_for()
    assert "已暂存在本机" in card.inner_text()
    assert page.get_attribute(".vs-item[data-code=A2] .vs-choice--pass", "aria-pressed") == "true"
    _wait_js(page, "document.getElementById('vs-sync').dataset.waiting === '4'")
    assert "待上传" in page.inner_text("#vs-sync")
    _shot(page, "restart-offline-conduct-768")
    page.goto(f"{base}/visits/{checked_in.pk}/summary/")  # another screen of the visit, never opened before
    _wait_js(page, "document.getElementById('vs-sync') && document.getElementById('vs-sync').dataset.waiting === '4'")
    # Not asserted here: that the server has nothing yet. Playwright's emulated offline does not always cover the
    # service worker's own fetches, so a write may reach the server unanswered; what matters is asserted below:
    # each write lands exactly once, from its receipt, whatever reached the server before.

    context.set_offline(False)
    _synced(page)
    finding = Finding.objects.get()
    assert finding.description == "重启前记录的问题" and finding.attachments.count() == 1
    assert {r.item.code: r.result for r in VisitItemResult.objects.all()} == {"A1": "fail", "A2": "pass"}
    assert sorted(ClientWrite.objects.values_list("action", flat=True)) == ["finding", "photo", "result", "result"]
    context.close()


def test_a_sync_cut_after_the_first_answer_loses_nothing_applies_nothing_twice_and_backs_off(
        one_browser, checked_in, live_server, tmp_path):
    """The network drops while the outbox is being sent: the first write is answered, the second reaches the
    server but its answer is lost, the rest do not get through; retried with growing pauses, then once each."""
    context = one_browser.new_context(viewport=TABLET, locale="zh-CN", service_workers="allow")
    page = context.new_page()
    base = live_server.url
    login(page, base, "district_inspector", PASSWORD)
    _ready(page, f"{base}/visits/{checked_in.pk}/conduct/")
    context.set_offline(True)
    codes = ["A1", "A2", "A3", "A4", "A5"]
    for code in codes:
        page.locator(f".vs-item[data-code={code}] .vs-choice--pass").click()
        page.locator(f".vs-item[data-code={code}] .vs-item__status[data-kind=queued]").wait_for()

    cut = {"on": True, "seen": 0, "tries": []}

    def network(route):
        cut["seen"] += 1
        if not cut["on"] or cut["seen"] == 1:
            return route.continue_()
        if cut["seen"] == 2:
            route.fetch()  # it reaches the server; its answer never comes back
        cut["tries"].append(time.monotonic())
        route.abort("internetdisconnected")

    replayed = []
    page.on("response", lambda r: replayed.append(r.url) if r.headers.get("idempotent-replayed") else None)
    context.route("**/api/v1/visits/*/results/", network)
    context.set_offline(False)
    deadline = time.monotonic() + 30
    while len(cut["tries"]) < 4:  # the lost answer, then its retries
        assert time.monotonic() < deadline, cut
        page.wait_for_timeout(200)
    assert VisitItemResult.objects.count() == 2  # the answered one and the one whose answer was lost
    gaps = [round(b - a, 1) for a, b in zip(cut["tries"][1:], cut["tries"][2:])]
    assert gaps[1] > gaps[0] >= 0.8, gaps  # 1 s, 2 s, 4 s …: back-off, not a hammering loop
    states = {c: page.get_attribute(f".vs-item[data-code={c}] .vs-item__status", "data-kind") for c in codes}
    assert states == {"A1": "saved", "A2": "queued", "A3": "queued", "A4": "queued", "A5": "queued"}
    assert "4 项待上传" in page.inner_text("#vs-sync")
    _shot(page, "sync-cut-midway-768")

    cut["on"] = False
    context.set_offline(True)
    context.set_offline(False)  # the "online" event: the tablet tries at once, not at the next back-off step
    _synced(page)
    rows = VisitItemResult.objects.order_by("recorded_at")
    assert [r.item.code for r in rows] == codes  # in order, each once
    assert ClientWrite.objects.filter(action="result").count() == 5
    assert len(replayed) == 1  # the write whose answer was lost was answered from its receipt
    assert all(page.get_attribute(f".vs-item[data-code={c}] .vs-item__status", "data-kind") == "saved" for c in codes)
    context.close()


def test_a_colleagues_finding_made_on_the_server_meanwhile_is_kept_beside_the_tablets(
        one_browser, checked_in, live_server, people, tmp_path):
    context = one_browser.new_context(viewport=TABLET, locale="zh-CN", service_workers="allow")
    page = context.new_page()
    base = live_server.url
    login(page, base, "district_inspector", PASSWORD)
    _ready(page, f"{base}/visits/{checked_in.pk}/conduct/")
    context.set_offline(True)
    _finding(page, "A1", "平板上记录：招生简章未备案")
    item = items_of(checked_in)[0]
    finding_record(visit=checked_in, user=people.city_inspector, item=item, description="同事记录：宣传内容夸大")
    context.set_offline(False)
    _synced(page)
    assert sorted(Finding.objects.values_list("description", flat=True)) == ["同事记录：宣传内容夸大", "平板上记录：招生简章未备案"]
    assert page.get_attribute("#vs-sync", "data-kept") == "0"  # nothing refused, nothing reported lost
    page.reload()
    cards = page.locator(".vs-item[data-code=A1] .vs-finding")
    texts = " ".join(cards.all_inner_texts())
    assert cards.count() == 2 and "同事记录" in texts and "平板上记录" in texts
    context.close()


def test_work_for_a_visit_submitted_on_the_server_meanwhile_is_kept_as_a_conflict_the_inspector_resolves(
        one_browser, checked_in, live_server, people, tmp_path):
    context = one_browser.new_context(viewport=TABLET, locale="zh-CN", service_workers="allow")
    page = context.new_page()
    base = live_server.url
    login(page, base, "district_inspector", PASSWORD)
    _ready(page, f"{base}/visits/{checked_in.pk}/conduct/")
    context.set_offline(True)
    card = _finding(page, "A1", "提交后才上传的问题")
    page.locator(".vs-item[data-code=A2] .vs-choice--pass").click()
    page.locator(".vs-item[data-code=A2] .vs-item__status[data-kind=queued]").wait_for()
    Visit.objects.filter(pk=checked_in.pk).update(status=Visit.Status.SUBMITTED)  # a colleague submitted it
    context.set_offline(False)
    _wait_js(page, "document.getElementById('vs-sync').dataset.kept === '3'", timeout=60)
    assert not Finding.objects.exists() and not VisitItemResult.objects.exists()
    assert sorted((e["kind"], e["state"], e["status"]) for e in _outbox(page)) == [
        ("finding", "conflict", 409), ("result", "conflict", 409), ("result", "conflict", 409)]
    assert "冲突" in card.inner_text() and "冲突" in page.inner_text(".vs-sync__failures")
    _shot(page, "conflict-submitted-768")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "conflict-submitted-390")

    page.once("dialog", lambda d: d.accept())  # the inspector decides the answer to A2 is not needed
    page.locator(".vs-sync__failures li", has_text="A2").locator(".vs-sync__discard").click()
    _wait_js(page, "document.getElementById('vs-sync').dataset.kept === '2'")
    Visit.objects.filter(pk=checked_in.pk).update(status=Visit.Status.RETURNED)  # the leader returned it
    for left in (1, 0):  # one at a time: the list is drawn again after each retry (slower on PostgreSQL)
        page.locator(".vs-sync__failures .vs-sync__retry").first.click()
        _wait_js(page, f"document.getElementById('vs-sync').dataset.kept === '{left}'", timeout=30)
    _synced(page)
    assert list(Finding.objects.values_list("description", flat=True)) == ["提交后才上传的问题"]
    assert [r.item.code for r in VisitItemResult.objects.all()] == ["A1"]  # A2's answer: discarded by the inspector
    context.close()


def test_a_full_device_says_so_and_keeps_the_finding_dialog_with_what_was_typed(
        one_browser, checked_in, live_server, tmp_path):
    context = one_browser.new_context(viewport=TABLET, locale="zh-CN", service_workers="allow")
    page = context.new_page()
    base = live_server.url
    login(page, base, "district_inspector", PASSWORD)
    _ready(page, f"{base}/visits/{checked_in.pk}/conduct/")
    context.set_offline(True)
    cdp = context.new_cdp_session(page)
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": base, "quotaSize": 1})  # the tablet's storage is full
    article = page.locator(".vs-item[data-code=A1]")
    article.locator(".vs-choice--fail").click()
    assert "存储空间已满" in article.locator(".vs-item__status").inner_text()
    page.locator("#vs-finding-dialog").wait_for(state="visible")
    page.fill("#vs-finding-form textarea[name=description]", "存储满时记录的问题")
    page.set_input_files("#vs-finding-form input[name=photos]", files=[_photo("full.png", (90, 90, 200, 255))])
    page.click("#vs-finding-save")
    _wait_js(page, "document.getElementById('vs-finding-error').textContent.includes('存储空间已满')")
    assert page.locator("#vs-finding-dialog").is_visible()
    assert page.input_value("#vs-finding-form textarea[name=description]") == "存储满时记录的问题"
    _shot(page, "quota-full-768")
    assert _outbox(page) == []

    cdp.send("Storage.overrideQuotaForOrigin", {"origin": base})  # space freed
    page.click("#vs-finding-save")
    page.locator("#vs-finding-dialog").wait_for(state="hidden")
    article.locator(".vs-choice--fail").click()  # the answer again, now that it can be kept
    context.set_offline(False)
    _synced(page)
    assert list(Finding.objects.values_list("description", flat=True)) == ["存储满时记录的问题"]
    assert Finding.objects.get().attachments.count() == 1
    assert VisitItemResult.objects.get().result == "fail"
    context.close()


@pytest.mark.skipif(not os.environ.get("DUDAO_MEASURE"), reason="a measurement (several minutes): DUDAO_MEASURE=1")
@pytest.mark.timeout(1200)
def test_thirty_photos_sync_on_a_throttled_connection(one_browser, checked_in, live_server, tmp_path):
    """Not a check: prints how long 10 findings with 3 photos each take to sync on a slow mobile link
    (Chromium's emulation: 150 ms latency, 1.6 Mbit/s down, 750 kbit/s up), for the README."""
    from PIL import Image
    context = one_browser.new_context(viewport=TABLET, locale="zh-CN", service_workers="allow")
    page = context.new_page()
    base = live_server.url
    login(page, base, "district_inspector", PASSWORD)
    _ready(page, f"{base}/visits/{checked_in.pk}/conduct/")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    photos = []
    for n in range(30):  # a photo-like picture: a tint with sensor noise, 4 megapixels before resizing
        noise = Image.effect_noise((2400, 1800), 24).convert("RGB")
        tint = Image.new("RGB", (2400, 1800), (40 + 6 * n, 120, 200 - 5 * n))
        buf = io.BytesIO()
        Image.blend(noise, tint, 0.6).save(buf, "JPEG", quality=92)
        photos.append({"name": f"p{n}.jpg", "mimeType": "image/jpeg", "buffer": buf.getvalue()})
    sections = page.locator(".vs-item").all()[:10]
    for n, article in enumerate(sections):
        code = article.get_attribute("data-code")
        if not article.is_visible():
            page.locator(f".vs-tab[data-goto='{'ABCDEFGH'.index(code[0])}']").click()
        _finding(page, code, f"{code} 照片测量", photos[3 * n:3 * n + 3]).locator(".vs-thumbs img").nth(2).wait_for()
    sizes = page.evaluate(OUTBOX.replace("ok(q.result)", "ok(q.result.filter(e => e.kind === 'photo').map(e => e.blob.size))"))
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 150,
                                                  "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8})
    started = time.monotonic()
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _synced(page, timeout=900)
    took = time.monotonic() - started
    assert Finding.objects.count() == 10 and sum(f.attachments.count() for f in Finding.objects.all()) == 30
    print(f"\nMEASURE 30 photos, {sum(sizes) / 1e6:.1f} MB after resizing (mean {sum(sizes) / len(sizes) / 1e3:.0f} kB),"
          f" 10 findings + 10 answers: synced in {took:.1f} s on 750 kbit/s up, 150 ms latency")
    context.close()
