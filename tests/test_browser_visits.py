"""Visits in headless Chromium: on a 768×1024 tablet check in, answer, finding with photo, reload, sign, submit;
on a 390×844 phone the checklist screens fit the width and every control is a 44px touch target.

One browser is started for the whole module (each test opens its own context) to keep browser time small."""
import time

import pytest
from django.utils import timezone

from inspections.checklists.services import checklist_load_standard
from inspections.models import Visit
from inspections.visits.services import visit_plan

from .browser import PHONE, TABLET, chromium, login
from .visits_helpers import png_bytes

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"
# These are the online screens: no service worker, whose background caching of the visit's other pages could still
# be running in the live server when the test's database is truncated (a deadlock seen on PostgreSQL).
# The offline tests (test_visits_offline_*) allow it.
ONLINE = {"service_workers": "block"}
JINAN = {"latitude": 36.5536, "longitude": 116.7517, "accuracy": 20}


@pytest.fixture(scope="module")
def one_browser():
    with chromium() as started:
        yield started


@pytest.fixture
def visit(transactional_db, people, tree):
    checklist_load_standard()
    return visit_plan(school=tree.school_a, planned_date=timezone.localdate(), lead=people.district_inspector,
                      planned_by=people.district_inspector, kind="surprise")


def _wait_js(page, expression, timeout=10.0):
    """Poll from Python: the app's Content-Security-Policy forbids the eval that wait_for_function uses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def _answer_section(page, fail_code=None, photo=None):
    section = page.locator(".vs-section:not([hidden])")
    for article in section.locator(".vs-item").all():
        failing = article.get_attribute("data-code") == fail_code
        article.locator(f".vs-choice--{'fail' if failing else 'pass'}").click()
        # one request at a time: the live server shares one SQLite connection between its threads
        article.locator(".vs-item__status[data-kind=saved]").wait_for()
        if failing:
            dialog = page.locator("#vs-finding-dialog")
            dialog.wait_for(state="visible")
            page.fill("#vs-finding-form textarea[name=description]", "招生简章未经备案，宣传内容夸大")
            page.set_input_files("#vs-finding-form input[name=photos]", files=[photo, {**photo, "name": "second.png"}])
            page.locator("#vs-photo-previews img").nth(1).wait_for()
            page.click("#vs-finding-save")
            article.locator(".vs-finding .vs-thumbs img").nth(1).wait_for()
            _wait_js(page, "[...document.querySelectorAll('.vs-thumbs img')].every(i => i.complete)")


def _saved(page, visit):
    _wait_js(page, "document.documentElement.dataset.vsOutbox === '0'", timeout=30)


def test_inspector_conducts_a_visit_on_a_tablet(one_browser, visit, live_server, tmp_path):
    photo = {"name": "photo.png", "mimeType": "image/png", "buffer": png_bytes((320, 240), background=(255, 224, 178, 255))}
    context = one_browser.new_context(viewport=TABLET, locale="zh-CN", geolocation=JINAN, permissions=["geolocation"],
                                      **ONLINE)
    page = context.new_page()
    login(page, live_server.url, "district_inspector", PASSWORD)
    page.goto(f"{live_server.url}/visits/")
    page.screenshot(path=str(tmp_path / "1-today.png"), full_page=True)
    page.goto(f"{live_server.url}/visits/{visit.pk}/")
    page.click("#vs-checkin")
    page.wait_for_url(f"**/visits/{visit.pk}/conduct/**")
    assert Visit.objects.get().checkin_geo_status == "ok"
    page.screenshot(path=str(tmp_path / "2-checked-in.png"), full_page=True)

    _answer_section(page, fail_code="A1", photo=photo)
    _saved(page, visit)
    page.screenshot(path=str(tmp_path / "3-finding.png"), full_page=True)
    assert page.inner_text("#vs-progress") == "5/31"
    page.reload()  # mid-visit reload: nothing given is lost
    assert page.inner_text("#vs-progress") == "5/31"
    assert page.locator(".vs-item[data-code=A1] .vs-choice--fail").get_attribute("aria-pressed") == "true"
    assert page.locator(".vs-item[data-code=A1] .vs-finding .vs-thumbs img").count() == 2
    page.screenshot(path=str(tmp_path / "4-after-reload.png"), full_page=True)

    for _ in range(7):
        page.locator(".vs-section:not([hidden]) .vs-section-nav [data-goto]").last.click()
        _answer_section(page)
    _saved(page, visit)
    assert page.inner_text("#vs-progress") == "31/31"
    page.locator(".vs-section:not([hidden]) .vs-section-nav a").click()
    page.wait_for_url(f"**/visits/{visit.pk}/summary/")
    page.locator("#vs-go-sign").wait_for()
    page.screenshot(path=str(tmp_path / "5-summary.png"), full_page=True)

    page.click("#vs-go-sign")
    page.fill("#vs-rep-name", "郑校长")
    box = page.locator("#vs-pad").bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 150)
    page.mouse.down()
    for step in range(1, 30):
        page.mouse.move(box["x"] + 40 + step * 12, box["y"] + 150 - (step % 6) * 14)
    page.mouse.up()
    page.screenshot(path=str(tmp_path / "6-signature.png"), full_page=True)
    page.click("#vs-sign-save")
    page.wait_for_url(f"**/visits/{visit.pk}/summary/")
    assert Visit.objects.get().status == Visit.Status.SIGNED

    page.fill("textarea[name=summary]", "整体规范，招生宣传需整改")
    page.click("#vs-submit")
    page.wait_for_url(f"**/visits/{visit.pk}/")
    page.screenshot(path=str(tmp_path / "7-submitted.png"), full_page=True)
    done = Visit.objects.get()
    assert done.status == Visit.Status.SUBMITTED and done.representative_name == "郑校长"
    assert done.findings.get().attachments.count() == 2
    context.close()


def test_check_in_with_geolocation_denied_says_so_and_records_it(one_browser, visit, live_server, tmp_path):
    context = one_browser.new_context(viewport=TABLET, locale="zh-CN", permissions=[], **ONLINE)
    page = context.new_page()
    login(page, live_server.url, "district_inspector", PASSWORD)
    page.goto(f"{live_server.url}/visits/{visit.pk}/")
    page.click("#vs-checkin")
    _wait_js(page, "document.getElementById('vs-geo-msg').textContent.includes('拒绝定位')")
    page.screenshot(path=str(tmp_path / "checkin-denied.png"), full_page=True)
    page.wait_for_url(f"**/visits/{visit.pk}/conduct/**")
    checked = Visit.objects.get()
    assert checked.checkin_geo_status == "denied" and checked.checkin_latitude is None
    page.goto(f"{live_server.url}/visits/{visit.pk}/")
    assert "拒绝定位" in page.inner_text(".vs-facts")
    context.close()


# Touch targets in the page's own content (the viewflow shell's toolbar is not ours to size).
TOO_SMALL = """() => [...document.querySelectorAll(
    '.dd-page button, .dd-page .dd-btn, .dd-page select, .dd-page .vs-check, .dd-page .vs-option, .dd-page summary,'
    + ' .dd-page .vs-finding__delete, .dd-page input[type=text], .dd-page textarea')]
  .filter(el => el.offsetParent !== null)
  .map(el => ({el: el, r: el.getBoundingClientRect()}))
  .filter(x => x.r.height < 44 || x.r.width < 44)
  .map(x => x.el.outerHTML.slice(0, 80) + ' ' + Math.round(x.r.width) + 'x' + Math.round(x.r.height))"""
H_SCROLL = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _fits_a_phone(page, url, shot):
    page.goto(url)
    page.screenshot(path=str(shot), full_page=True)
    assert page.evaluate(H_SCROLL) <= 0, f"{url} scrolls sideways on a phone"
    assert page.evaluate(TOO_SMALL) == [], f"{url} has touch targets under 44px"


def test_checklist_screens_fit_a_phone(one_browser, visit, people, live_server, tmp_path):
    from inspections.visits.services import visit_check_in

    visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    admin = one_browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, **ONLINE)
    page = admin.new_page()
    login(page, live_server.url, "city_admin", PASSWORD)
    _fits_a_phone(page, f"{live_server.url}/visits/checklists/{visit.template_id}/", tmp_path / "phone-checklist-edit.png")
    admin.close()
    inspector = one_browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, **ONLINE)
    page = inspector.new_page()
    login(page, live_server.url, "district_inspector", PASSWORD)
    _fits_a_phone(page, f"{live_server.url}/visits/{visit.pk}/conduct/", tmp_path / "phone-conduct.png")
    _fits_a_phone(page, f"{live_server.url}/visits/plan/?school={visit.school_id}", tmp_path / "phone-plan.png")
    inspector.close()
