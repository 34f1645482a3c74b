"""Self-inspection in Chromium on a phone and a tablet: the school's staff fill the checklist and record a
problem, the leader signs, the district sees the agreement table; nothing sideways, nothing from outside."""
import os
from pathlib import Path

import pytest

from inspections.visits.services import finding_record, visit_check_in, visit_plan

from .browser import PHONE, TABLET, chromium, login
from .selfcheck_helpers import campaign_with_request, items

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"


@pytest.fixture
def setup(transactional_db, people, tree):
    return campaign_with_request(people, tree)


def _shot(page, tmp_path, name):
    # DUDAO_SCREENS=<dir> keeps the screenshots for the notes; otherwise they go to the test's tmp dir.
    target = Path(os.environ.get("DUDAO_SCREENS", tmp_path)) / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 5000


def _fits(page, viewport):
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1


def _staff_fills(browser, base, viewport, campaign, tmp_path) -> str:
    page = browser.new_page(viewport=viewport)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    login(page, base, "school_staff", PASSWORD)
    page.goto(f"{base}/selfchecks/")
    page.locator("[data-request] button[type=submit]").first.click()
    page.wait_for_url("**/selfchecks/*/")
    first = items(campaign)[0]
    page.locator(f"input[name=result-{first.pk}][value=fail]").check()
    page.locator("button", has_text="保存检查结果").click()
    page.wait_for_load_state()
    page.select_option("#sc-item", str(first.pk))
    page.fill("#sc-desc", "实训室安全标识缺失")
    page.locator("button", has_text="记录").last.click()
    page.wait_for_selector("[data-finding]")
    _fits(page, viewport)
    _shot(page, tmp_path, f"selfcheck-staff-{viewport['width']}")
    page.fill("#sc-summary", "本校已完成自查。")
    page.locator("button", has_text="提交学校负责人签署").click()
    page.wait_for_selector("[data-status=signing]")
    assert outside == []
    url = page.url
    page.close()
    return url


def _leader_signs(browser, base, viewport, url, tmp_path):
    page = browser.new_page(viewport=viewport)
    login(page, base, "school_leader", PASSWORD)
    page.goto(url)
    _fits(page, viewport)
    _shot(page, tmp_path, f"selfcheck-leader-{viewport['width']}")
    page.locator("button[value=yes]").click()
    page.wait_for_selector("[data-status=signed]")
    page.close()


def test_a_school_inspects_itself_and_the_district_reads_the_agreement(setup, people, tree, live_server, tmp_path):
    campaign, request = setup
    with chromium() as browser:
        url = _staff_fills(browser, live_server.url, PHONE, campaign, tmp_path)
        _leader_signs(browser, live_server.url, TABLET, url, tmp_path)
        visit = visit_plan(school=tree.school_a, planned_date=request.due_date, lead=people.district_inspector,
                           members=[people.city_inspector], planned_by=people.district_inspector, campaign=campaign)
        visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
        finding_record(visit=visit, user=people.district_inspector, item=items(campaign)[1], description="未自查出")
        for viewport in (PHONE, TABLET):
            page = browser.new_page(viewport=viewport)
            login(page, live_server.url, "district_inspector", PASSWORD)
            page.goto(f"{live_server.url}/visits/{visit.pk}/")
            assert page.locator("[data-self-reported]").count() == 1
            _fits(page, viewport)
            _shot(page, tmp_path, f"selfcheck-visit-panel-{viewport['width']}")
            page.goto(f"{live_server.url}/selfchecks/agreement/?organization={tree.district_a.pk}")
            assert page.locator(f"tr[data-org='{tree.school_a.pk}'] [data-missed]").first.inner_text() == "1"
            _fits(page, viewport)
            _shot(page, tmp_path, f"selfcheck-agreement-{viewport['width']}")
            page.close()
