"""The whole loop through the pages, as the people who do it, alternating phone (390×844) and tablet (768×1024).

From a submitted visit (the on-site part, check-in to signature, is walked in test_browser_visits) every step starts
on the person's home page, is one tap from it, and is done on the page it opens: the district leader reviews and
drafts the orders, the school leader signs, the staff reports with a photo, the school leader approves, the inspector
re-checks (fail), the school reports again, the inspector passes it, the district leader and then the city leader
(a major finding) close it. At each step the test asserts what the person is told and what they can tap, that
nothing scrolls sideways, and saves a screenshot (to $DUDAO_SCREENSHOTS when set, CI keeps them as artifacts).
The city leader finally reads the closed order in English.
"""
import io
import os
from pathlib import Path

import pytest
from PIL import Image

from inspections.models import RectificationOrder
from inspections.visits.services import finding_record, visit_sign, visit_submit

from .browser import PHONE, TABLET, chromium, login
from .visits_helpers import conduct, plan, signature_url

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("DUDAO_SCREENSHOTS") or tmp_path) / "full-loop"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def submitted_visit(transactional_db, people, tree):
    visit = plan(people, tree)
    conduct(visit, people.district_inspector, fail_codes=())
    finding_record(visit=visit, user=people.district_inspector, description="实训楼消防通道被杂物堵塞",
                   severity="major", hazard=True)
    finding_record(visit=visit, user=people.district_inspector, description="实习台账记录不全", severity="general")
    visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长",
               signature_data_url=signature_url())
    visit_submit(visit=visit, user=people.district_inspector, summary="安全隐患须立即整改")
    return visit


class Walk:
    """One browser; each step a fresh context signed in as the person, at the size given."""

    def __init__(self, browser, base, shots):
        self.browser, self.base, self.shots, self.n = browser, base, shots, 0

    def step(self, username, viewport, name, language="zh-hans"):
        # no service worker: its background caching of visit pages could outlive the step (online screens here)
        context = self.browser.new_context(viewport=viewport, locale="zh-CN", service_workers="block")
        context.add_cookies([{"name": "django_language", "value": language, "url": self.base}])
        page = context.new_page()
        login(page, self.base, username, PASSWORD)
        self.n += 1
        return _Step(page, context, self.shots / f"{self.n:02d}-{name}-{viewport['width']}.png", viewport)


class _Step:
    def __init__(self, page, context, shot, viewport):
        self.page, self.context, self.shot, self.viewport = page, context, shot, viewport

    def from_home(self, subject: str):
        """Open home and tap the to-do about `subject`: one tap from home to the pending action."""
        self.page.goto(self.page.url.split("/", 3)[0] + "//" + self.page.url.split("/", 3)[2] + "/dudao/")
        todo = self.page.locator("[data-todos] a", has_text=subject).first
        assert todo.count(), self.page.locator("main").inner_text()[:600]
        with self.page.expect_navigation():
            todo.click()
        return self

    def fits(self):
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= self.viewport["width"], f"{self.page.url} is {width}px wide"

    def act(self, selector: str):
        with self.page.expect_navigation():
            self.page.click(selector)

    def done(self):
        self.fits()
        self.page.screenshot(path=str(self.shot), full_page=True)
        self.context.close()


def _photo(tmp_path) -> str:
    path = tmp_path / "整改后.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 160, 90)).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return str(path)


def _status(page) -> str:
    return page.locator("[data-status]").inner_text()


def test_the_whole_loop_through_the_pages_as_each_person(submitted_visit, live_server, tmp_path, shots, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    visit, photo = submitted_visit, _photo(tmp_path)
    with chromium() as browser:
        walk = Walk(browser, live_server.url, shots)

        s = walk.step("district_leader", TABLET, "review").from_home(visit.school.name)
        assert "将下发 2 份整改通知书" in s.page.inner_text(".dr-preview")
        s.fits()
        s.act("button[name=decision][value=approve]")
        message = s.page.locator(".vs-messages").inner_text()
        orders = list(RectificationOrder.objects.filter(visit=visit).order_by("deadline__due_at"))
        assert len(orders) == 2 and all(o.number in message for o in orders), message
        order = orders[0]  # the hazard: the shortest deadline
        assert order.has_hazard and order.findings.count() == 1
        s.done()

        s = walk.step("school_leader", PHONE, "sign").from_home(order.number)
        assert "请签收本通知书" in s.page.locator("[data-next]").inner_text()
        s.act("button[name=sign]")
        assert "整改中" in _status(s.page)
        told = s.page.locator("[data-message]").inner_text()  # the hand-off: what happened, who has it now
        assert "整改中" in told and "等待" in told, told
        assert s.page.locator("label.dd-file-pick").count() >= 1  # the report's file pickers, after a Turbo visit
        s.done()

        def report(username, viewport, name, text):
            s = walk.step(username, viewport, name).from_home(order.number)
            s.page.fill("textarea[name=measures]", text)
            s.page.set_input_files("input[name=files]", photo)
            s.act("button[name=submit_report]")
            assert "报告待校内审核" in _status(s.page), s.page.locator("main").inner_text()[:400]
            s.done()

        def approve_report(viewport, name):
            s = walk.step("school_leader", viewport, name).from_home(order.number)
            s.act("[data-form='order.approve_report'] button[value=approve]")
            assert "待复查" in _status(s.page)
            s.done()

        def recheck(viewport, name, result):
            s = walk.step("district_inspector", viewport, name).from_home(order.number)
            form = s.page.locator("[data-form='order.recheck']")
            assert not form.locator("input[name=result]:checked").count()  # no default result
            form.locator("input[name=method][value=on_site]").check()
            form.locator(f"input[name=result][value={result}]").check()
            form.locator("textarea[name=notes]").fill("现场查看" if result == "pass" else "通道仍有杂物")
            s.act("[data-form='order.recheck'] button[type=submit]")
            return s

        report("school_staff", PHONE, "report", "已清理消防通道并张贴警示标识")
        approve_report(TABLET, "approve-report")
        s = recheck(TABLET, "recheck-fail", "fail")
        assert "整改中" in _status(s.page)
        s.done()
        report("school_staff", TABLET, "report-2", "已安排专人每日巡查通道，杂物全部清运")
        approve_report(PHONE, "approve-report-2")
        s = recheck(PHONE, "recheck-pass", "pass")
        assert "待销号审批" in _status(s.page)
        s.done()

        s = walk.step("district_leader", PHONE, "district-closure").from_home(order.number)
        s.act("[data-form='order.approve_closure'] button[value=approve]")
        assert "待市级审批" in _status(s.page)
        s.done()

        s = walk.step("city_leader", TABLET, "city-closure").from_home(order.number)
        s.act("[data-form='order.city_approve'] button[value=approve]")
        assert "已销号" in _status(s.page) and "已销号" in s.page.locator("[data-message]").inner_text()
        s.done()

        s = walk.step("city_leader", PHONE, "closed-english", language="en")
        s.page.goto(f"{live_server.url}/orders/{order.pk}/")
        assert "Closed" in _status(s.page)
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in s.page.locator("[data-next]").inner_text())
        s.done()
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.CLOSED and order.round == 2
