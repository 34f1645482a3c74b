"""The statistics pages in Chromium on a tablet and a phone: readable, inline SVG charts, nothing from outside."""
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from bench.gen_orders import generate
from organizations.demo import DEMO_PASSWORD
from organizations.models import Organization

from .browser import PHONE, TABLET, chromium, login

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo")
    generate(400, seed=5)


def _shot(page, tmp_path, name):
    # DUDAO_SCREENS=<dir> keeps the screenshots for the notes; otherwise they go to the test's tmp dir.
    target = Path(os.environ.get("DUDAO_SCREENS", tmp_path)) / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 5000


def test_city_leader_dashboard_on_tablet_drills_down(demo, live_server, tmp_path):
    with chromium() as browser:
        page = browser.new_page(viewport=TABLET, locale="zh-CN")
        outside = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
        login(page, live_server.url, "jn_leader", DEMO_PASSWORD)
        page.goto(f"{live_server.url}/reports/")
        body = page.locator("body").inner_text()
        assert "按期销号率" in body and "下级单位" in body
        assert page.locator("svg.dd-chart").count() >= 2
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= TABLET["width"] + 1  # no sideways scrolling on the tablet
        _shot(page, tmp_path, "dashboard-city-tablet")
        page.locator(".rp-table a", has_text="区教体局").first.click()  # a district: its schools are listed
        page.wait_for_url("**/reports/?org=*")  # viewflow's Turbo navigates by fetch, so wait for the URL
        page.wait_for_load_state("networkidle")
        assert "下级单位" in page.locator("body").inner_text()
        _shot(page, tmp_path, "dashboard-district-tablet")
        page.goto(f"{live_server.url}/reports/ledger/")
        assert page.locator(".rp-table tbody tr").count() == 50
        _shot(page, tmp_path, "ledger-tablet")
        assert outside == []


def test_school_sees_own_page_with_score_trend_on_phone(demo, live_server, tmp_path):
    school = Organization.objects.get(code="S-CQZZ")
    with chromium() as browser:
        page = browser.new_page(viewport=PHONE, locale="zh-CN")
        login(page, live_server.url, "cqzz_staff", DEMO_PASSWORD)
        page.goto(f"{live_server.url}/reports/schools/{school.pk}/")
        body = page.locator("body").inner_text()
        assert "季度得分" in body and "长清职业中等专业学校" in body
        _shot(page, tmp_path, "school-phone")
        other = Organization.objects.get(code="S-JYZZ")
        response = page.goto(f"{live_server.url}/reports/schools/{other.pk}/")
        assert response.status == 404


def test_export_progress_page_polls_until_download(demo, live_server, tmp_path):
    with chromium() as browser:
        page = browser.new_page(viewport=TABLET, locale="zh-CN")
        login(page, live_server.url, "cq_leader", DEMO_PASSWORD)
        page.goto(f"{live_server.url}/reports/ledger/?severity=major")
        page.locator("form.rp-export button").click()
        page.wait_for_load_state("networkidle")
        assert "导出进度" in page.locator("body").inner_text()
        page.locator("#export-download").wait_for(state="visible", timeout=10000)
        _shot(page, tmp_path, "export-done-tablet")
