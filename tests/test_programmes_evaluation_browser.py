"""绩效评价 and 质量年度报告 in Chromium on a phone and a tablet, Chinese and English: the office's evaluation
page (formula, versions, rankings), a scorecard, the public page without login, a school's own scorecard,
and the district's quality-report board with its late and returned reports. Nothing sideways, nothing
loaded from outside the app."""
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from organizations.demo import DEMO_PASSWORD
from programmes.models import Evaluation, FilingRequest

from .browser import PHONE, TABLET, chromium, login

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo")


def _shot(page, tmp_path, name):
    target = Path(os.environ.get("DUDAO_SCREENS", tmp_path)) / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 5000


def _fits(page, viewport):
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1


def _page(browser, base, viewport, language, user=None):
    page = browser.new_page(viewport=viewport)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    if user:
        login(page, base, user, DEMO_PASSWORD)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    return page, outside


def _office(browser, base, evaluation, viewport, language, tmp_path):
    page, outside = _page(browser, base, viewport, language, "jn_leader")
    page.goto(f"{base}/programmes/evaluations/{evaluation.pk}/")
    assert page.locator("[data-version-status=draft]").count() == 1  # v2, re-weighted after publication
    assert page.locator("[data-formula] code").inner_text().startswith("100 × (30×task_progress")
    assert page.locator("table[data-level=school] tr[data-unit]").count() >= 3
    _fits(page, viewport)
    _shot(page, tmp_path, f"evaluation-office-{language}-{viewport['width']}")
    page.locator(".pg-chips a", has_text="v1").click()
    page.wait_for_url("**?v=1")
    assert page.locator("[data-version-status=published]").count() == 1
    assert page.locator("form[action*=publish]").count() == 0  # frozen: no publish, no recompute
    page.locator("table[data-level=school] tr[data-unit] a").last.click()
    page.wait_for_url("**/programmes/scorecards/*/")
    assert page.locator("tr[data-input=self_inspection_agreement]").count() == 1
    _fits(page, viewport)
    _shot(page, tmp_path, f"evaluation-scorecard-{language}-{viewport['width']}")
    assert outside == []
    page.close()


def _public_and_school(browser, base, evaluation, tmp_path):
    page, outside = _page(browser, base, PHONE, "zh-hans")
    page.goto(f"{base}/programmes/evaluations/{evaluation.pk}/public/")
    assert page.locator("tr[data-unit]").count() > 0 and page.locator("a[href*='/scorecards/']").count() == 0
    _fits(page, PHONE)
    _shot(page, tmp_path, "evaluation-public-zh-390")
    page.close()
    page, outside = _page(browser, base, PHONE, "en", "cqzz_leader")
    page.goto(f"{base}/programmes/evaluations/{evaluation.pk}/")
    assert [r.get_attribute("data-unit") for r in page.locator("tr[data-unit]").all()] == ["S-CQZZ"]
    _fits(page, PHONE)
    _shot(page, tmp_path, "evaluation-school-en-390")
    assert outside == []
    page.close()


def _quality_board(browser, base, tmp_path):
    quality = FilingRequest.objects.get(kind=FilingRequest.Kind.QUALITY_REPORT)
    for viewport, language in ((PHONE, "zh-hans"), (TABLET, "en")):
        page, outside = _page(browser, base, viewport, language, "cq_leader")
        page.goto(f"{base}/programmes/filing-requests/{quality.pk}/")
        states = {row.get_attribute("data-state") for row in page.locator("tr[data-filer]").all()}
        assert states == {"returned"}  # 长清's only school here: returned, and late
        assert page.locator("[data-late]").count() == 1
        _fits(page, viewport)
        _shot(page, tmp_path, f"quality-board-{language}-{viewport['width']}")
        page.locator("tr[data-filer] a").first.click()
        page.wait_for_url("**/programmes/filings/*/")
        assert page.locator("[data-figure=employment_rate]").inner_text().startswith("97.20")
        _fits(page, viewport)
        _shot(page, tmp_path, f"quality-report-{language}-{viewport['width']}")
        assert outside == []
        page.close()


def test_evaluation_and_quality_report_pages_on_phone_and_tablet(demo, live_server, tmp_path):
    evaluation = Evaluation.objects.get()
    with chromium() as browser:
        for viewport, language in ((PHONE, "zh-hans"), (TABLET, "en"), (PHONE, "en"), (TABLET, "zh-hans")):
            _office(browser, live_server.url, evaluation, viewport, language, tmp_path)
        _public_and_school(browser, live_server.url, evaluation, tmp_path)
        _quality_board(browser, live_server.url, tmp_path)
