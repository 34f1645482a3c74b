"""Every demo persona logs in on a tablet and finds work: the bell, their shortcuts, orders waiting on them."""
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from notifications.models import Notification
from organizations.demo import DEMO_PASSWORD, DEMO_USERS

from .browser import TABLET, chromium, login

pytestmark = pytest.mark.browser

# A few more pages per persona, each with something of the story on it.
MORE_PAGES = {
    "jn_leader": [("/reports/", "按期销号率"), ("/draws/", "双随机")],
    "cq_leader": [("/clues/", "12345")],
    "jy_inspector": [("/visits/", "济阳职业中等专业学校")],
    "jyzz_leader": [("/visits/", "济阳职业中等专业学校")],
    "cqzz_staff": [("/notifications/", "整改通知书")],
}


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo")


def _shot(page, tmp_path, name):
    # DUDAO_SCREENS=<dir> keeps the screenshots for a look; otherwise they go to the test's tmp dir.
    target = Path(os.environ.get("DUDAO_SCREENS", tmp_path)) / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)


def _home_shows_work(page, username, display):
    body = page.locator("body").inner_text()
    assert display in body, f"{username}: no greeting on the workspace"
    assert page.locator(".dd-shortcut").count() >= 3, f"{username}: no shortcuts"
    unread = Notification.objects.filter(recipient__username=username, read_at__isnull=True).count()
    badge = page.locator("[data-dudao-bell-count]")
    if unread:
        assert badge.is_visible() and badge.inner_text().strip() == str(unread), f"{username}: bell shows no unread"


def test_every_persona_finds_work_on_a_tablet(demo, live_server, tmp_path):
    with chromium() as browser:
        for username, display, _code, _role in DEMO_USERS:
            context = browser.new_context(viewport=TABLET, locale="zh-CN")
            page = context.new_page()
            login(page, live_server.url, username, DEMO_PASSWORD)
            page.goto(f"{live_server.url}/")
            _home_shows_work(page, username, display)
            assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"] + 1
            _shot(page, tmp_path, f"{username}-home")
            page.goto(f"{live_server.url}/orders/")
            assert "号" in page.locator("main, body").first.inner_text(), f"{username}: no orders listed"
            _shot(page, tmp_path, f"{username}-orders")
            for path, text in MORE_PAGES.get(username, []):
                page.goto(f"{live_server.url}{path}")
                assert text in page.locator("body").inner_text(), f"{username}: {path} shows no {text}"
                _shot(page, tmp_path, f"{username}-{path.strip('/').replace('/', '-')}")
            context.close()
