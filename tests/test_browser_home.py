import pytest
from django.core.management import call_command

from organizations.demo import DEMO_PASSWORD

from .browser import PHONE, TABLET, chromium, login

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo")


def test_school_user_sees_chinese_home_page_on_tablet_and_phone(demo, live_server, tmp_path):
    with chromium() as browser:
        for name, viewport in (("tablet", TABLET), ("phone", PHONE)):
            context = browser.new_context(viewport=viewport, locale="zh-CN")
            page = context.new_page()
            login(page, live_server.url, "cqzz_staff", DEMO_PASSWORD)
            body = page.locator("body").inner_text()
            assert "我的机构与职责" in body
            assert "长清职业中等专业学校" in body
            assert "学校工作人员" in body
            assert "济阳" not in body  # nothing of another school
            shot = tmp_path / f"home-{name}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 5000
            # no asset may come from outside the app
            context.close()


def test_pages_load_no_asset_from_outside(demo, live_server):
    with chromium() as browser:
        page = browser.new_page(viewport=TABLET)
        outside = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
        failed = []
        page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
        login(page, live_server.url, "cq_leader", DEMO_PASSWORD)
        assert "刘科长" in page.locator("body").inner_text()
        assert outside == []
        assert failed == []


def test_language_switch_to_english(demo, live_server):
    with chromium() as browser:
        page = browser.new_page(viewport=TABLET)
        login(page, live_server.url, "cqzz_staff", DEMO_PASSWORD)
        page.locator("button.dd-lang__btn[value=en]").click()
        page.wait_for_load_state("networkidle")
        assert "My organisations and duties" in page.locator("body").inner_text()


PHONE_PAGES = ["/", "/orders/", "/reports/", "/reports/ledger/", "/notifications/", "/visits/today/", "/orders/99999/"]


@pytest.mark.parametrize("username", ["cq_leader", "cqzz_staff"])
def test_no_page_scrolls_sideways_on_a_phone_and_tables_become_cards(demo, live_server, tmp_path, username):
    with chromium() as browser:
        page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
        login(page, live_server.url, username, DEMO_PASSWORD)
        wide = {}
        for path in PHONE_PAGES:
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide[path] = width
        assert not wide, f"pages wider than the phone: {wide}"
        page.goto(live_server.url + "/reports/ledger/")
        page.wait_for_load_state("networkidle")
        row = page.locator("table.dd-stack tbody tr").first
        assert row.evaluate("r => getComputedStyle(r).display") == "block"
        assert row.locator("td[data-label]").count() >= 3
        page.screenshot(path=str(tmp_path / f"ledger-{username}.png"), full_page=True)
