"""The school's path in a tablet browser: sign the order, then report with a photo."""
import io

import pytest
from PIL import Image

from inspections.models import RectificationOrder

from .browser import TABLET, chromium, login
from .orders_helpers import issue

pytestmark = pytest.mark.browser


def test_school_signs_and_reports_with_a_photo_on_a_tablet(transactional_db, live_server, people, tree,
                                                           tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    order = issue(people, tree)
    photo = tmp_path / "整改后.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(buf, "JPEG")
    photo.write_bytes(buf.getvalue())
    with chromium() as browser:
        page = browser.new_context(viewport=TABLET, locale="zh-CN").new_page()
        login(page, live_server.url, "school_leader", "pw-for-tests-1")
        page.goto(f"{live_server.url}/orders/{order.pk}/")
        assert "请签收本通知书" in page.locator("[data-next]").inner_text()
        page.click("button[name=sign]")
        page.locator("[data-status]", has_text="整改中").wait_for(timeout=15000)
        assert "整改中" in page.locator("[data-status]").inner_text()
        page.fill("textarea[name=measures]", "已清理消防通道并张贴标识")
        page.set_input_files("input[name=files]", str(photo))
        page.click("button[name=submit_report]")
        page.locator("[data-status]", has_text="报告待校内审核").wait_for(timeout=15000)
        assert "报告待校内审核" in page.locator("[data-status]").inner_text(), page.locator(".messages").all_inner_texts()
        assert page.locator(".dd-thumbs img").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
        page.screenshot(path=str(tmp_path / "order-tablet.png"), full_page=True)
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.REPORT_REVIEW
    assert order.reports.get().attachments.count() == 1


def test_school_staff_on_a_phone_is_told_whose_turn_it_is_in_both_languages(transactional_db, live_server, people,
                                                                             tree):
    from .browser import PHONE

    order = issue(people, tree)
    with chromium() as browser:
        page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
        login(page, live_server.url, "school_staff", "pw-for-tests-1")
        page.goto(f"{live_server.url}/orders/{order.pk}/")
        box = page.locator("[data-next]").inner_text()
        assert "目前无需您办理" in box and "学校负责人签收" in box
        assert page.locator("button[name=sign]").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing sideways
        assert page.locator(".dd-bell").is_visible()
        with page.expect_navigation():
            page.locator(".dd-lang__btn").first.click()
        page.goto(f"{live_server.url}/orders/{order.pk}/")
        assert "Waiting for: the school leader's signature of receipt" in page.locator("[data-next]").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
