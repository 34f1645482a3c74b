"""The summary and sign screens offline, in Chinese and English, at phone and tablet size: drawn from the
tablet's state (the outbox over the server's copy), they say how many writes wait and never call the record
signed or submitted before the server accepted it. Screenshots go to /tmp/h18/ (looked at by a person)."""
import pytest

from inspections.models import Visit
from inspections.visits.services import item_result_record

from .browser import PHONE, TABLET, login
from .test_browser_visits import PASSWORD, _wait_js, one_browser  # noqa: F401 (a fixture)
from .test_visits_offline_browser import _draw, _record_finding, visit  # noqa: F401 (a fixture)
from .test_visits_offline_sync_browser import _synced
from .visits_helpers import items_of, png_bytes

pytestmark = pytest.mark.browser
SHOTS = "/tmp/h18"
WORDS = {  # what the screens must say, per language
    "zh-hans": {"waiting": "项待上传", "local": "未上传", "signed": "已在本机签字", "submit": "服务器接受后才算提交"},
    "en": {"waiting": "waiting to upload", "local": "not uploaded yet", "signed": "Signed on this tablet",
           "submit": "only once the server accepts it"},
}


def _shots(page, name):
    for label, size in (("390", PHONE), ("768", TABLET)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name} scrolls sideways"
        page.screenshot(path=f"{SHOTS}/{name}-{label}.png", full_page=True)
    page.set_viewport_size(TABLET)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_offline_summary_and_sign_screens_wait_for_the_server_before_saying_done(
        one_browser, visit, live_server, people, language):
    for item in items_of(visit):
        if item.code != "A1":
            item_result_record(visit=visit, user=people.district_inspector, item=item, result="pass")
    base, words, tag = live_server.url, WORDS[language], language[:2]
    context = one_browser.new_context(viewport=TABLET, locale="zh-CN", service_workers="allow")
    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page = context.new_page()
    login(page, base, "district_inspector", PASSWORD)
    page.goto(f"{base}/visits/{visit.pk}/conduct/")
    _wait_js(page, "!!document.documentElement.dataset.vsOfflineReady", timeout=60)
    context.set_offline(True)
    _record_finding(page, "A1", "A1 offline", [{"name": "a.png", "mimeType": "image/png",
                                                 "buffer": png_bytes((1200, 900), background=(200, 40, 0, 255))}],
                    queued_text=None)
    page.goto(f"{base}/visits/{visit.pk}/summary/")
    page.locator("#vs-summary[data-vs-drawn=in_progress]").wait_for()
    assert page.inner_text("#vs-sum-progress") == "31/31" and page.inner_text("#vs-sum-count") == "1"
    assert words["waiting"] in page.inner_text("#vs-sync")
    _shots(page, f"offline-summary-{tag}")
    page.click("#vs-go-sign")
    page.locator("#vs-sign-ready").wait_for()
    _shots(page, f"offline-sign-{tag}")
    page.fill("#vs-rep-name", "Zheng")
    _draw(page)
    page.click("#vs-sign-save")
    page.wait_for_url(f"**/visits/{visit.pk}/summary/")
    page.locator("#vs-summary[data-vs-drawn=signed]").wait_for()
    assert words["signed"] in page.inner_text("#vs-sum-local-sign")
    assert words["local"] in page.inner_text(".vs-chip--status")
    _shots(page, f"offline-signed-{tag}")
    page.click("#vs-submit")
    page.locator("#vs-summary[data-vs-drawn=submitted]").wait_for()
    assert words["submit"] in page.inner_text("#vs-submit-form") and words["local"] in page.inner_text(".vs-chip--status")
    _shots(page, f"offline-submitted-{tag}")
    assert Visit.objects.get().status == Visit.Status.IN_PROGRESS
    context.set_offline(False)
    page.wait_for_url(f"{base}/visits/{visit.pk}/", timeout=60000)
    _synced(page)
    assert Visit.objects.get().status == Visit.Status.SUBMITTED
    context.close()
