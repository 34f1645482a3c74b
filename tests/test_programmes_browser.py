"""The programme board in Chromium on a phone and a tablet, in Chinese and English: statuses and counts,
filter, drill-down to a task and its report; nothing sideways; the demo loader is idempotent."""
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from organizations.demo import DEMO_PASSWORD
from organizations.models import Organization
from programmes.demo import load_demo_programmes
from programmes.models import Indicator, Programme, ProgrammeTask, ProgressReport

from .browser import PHONE, TABLET, chromium, login

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo")


def _counts():
    return (Programme.objects.count(), ProgrammeTask.objects.count(), Indicator.objects.count(),
            ProgressReport.objects.count(), Organization.objects.filter(kind="department").count())


def _shot(page, tmp_path, name):
    # DUDAO_SCREENS=<dir> keeps the screenshots for the notes; otherwise they go to the test's tmp dir.
    target = Path(os.environ.get("DUDAO_SCREENS", tmp_path)) / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 5000


def _demo_holds_the_jinan_task_list_once():
    programme = Programme.objects.get(code="JN-TZPY-2020")
    assert programme.tasks.count() == 40 and programme.phases.count() == 4
    task = programme.tasks.get(no=2)
    assert task.lead_unit.code == "JN" and task.co_units.filter(code="DEP-RSJ").exists()
    assert task.co_units.filter(code__startswith="GOV-").count() == 12  # 区县政府: every district's government
    assert str(programme.tasks.get(no=5).due_date) == "2021-12-31"  # "2021年12月": the end of that month
    assert programme.tasks.get(no=4).due_date is None  # 持续推进
    before = _counts()
    load_demo_programmes({"JN": Organization.objects.get(code="JN")})
    assert _counts() == before


def _board(page, base, programme, viewport, language, tmp_path):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page.goto(f"{base}/programmes/{programme.pk}/")
    cards = page.locator(".pg-card[data-task]")
    assert cards.count() == 40
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1
    _shot(page, tmp_path, f"programme-board-{language}-{viewport['width']}")
    return cards


def _office(browser, base, programme, viewport, tmp_path):
    page = browser.new_page(viewport=viewport)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    login(page, base, "jn_leader", DEMO_PASSWORD)
    _board(page, base, programme, viewport, "en", tmp_path)
    _board(page, base, programme, viewport, "zh-hans", tmp_path)
    assert page.locator(".pg-done[data-task]").count() >= 2 and page.locator(".pg-lagging[data-task]").count() > 0
    page.locator("[data-status-count=overdue]").click()
    page.wait_for_url("**status=overdue")
    assert page.locator(".pg-card[data-task]").count() == page.locator(".pg-overdue[data-task]").count() > 0
    page.goto(f"{base}/programmes/{programme.pk}/")
    page.locator(".pg-card[data-task] h2 a", has_text="完善专业设置与调控机制").click()
    page.wait_for_url("**/programmes/tasks/*/")
    page.locator("tr[data-report] a").first.click()
    page.wait_for_url("**/programmes/reports/*/")
    assert "计划办" in page.locator("body").inner_text() and page.locator("button[value=yes]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1
    _shot(page, tmp_path, f"programme-report-zh-{viewport['width']}")
    assert outside == []
    page.close()


def _liaison(browser, base, programme, tmp_path):
    expected = programme.tasks.filter(co_units__code="DEP-RSJ").count() + \
        programme.tasks.filter(lead_unit__code="DEP-RSJ").count()
    page = browser.new_page(viewport=PHONE)
    login(page, base, "rsj_liaison", DEMO_PASSWORD)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.goto(f"{base}/programmes/{programme.pk}/")
    assert page.locator(".pg-card[data-task]").count() == expected
    page.goto(f"{base}/programmes/tasks/{programme.tasks.get(no=12).pk}/")
    assert page.locator("form.pg-form textarea[name=narrative]").count() == 1  # it may report here
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    _shot(page, tmp_path, "programme-task-liaison-en-390")
    page.goto(f"{base}/orders/")
    assert "长清职业中等专业学校" not in page.locator("body").inner_text()


def _filings(browser, base, tmp_path):
    from programmes.models import FilingRequest
    filing_request = FilingRequest.objects.get(kind=FilingRequest.Kind.PLAN)
    for viewport, language in ((PHONE, "zh-hans"), (TABLET, "en")):
        page = browser.new_page(viewport=viewport)
        login(page, base, "jn_leader", DEMO_PASSWORD)
        page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page.goto(f"{base}/programmes/filing-requests/{filing_request.pk}/")
        states = {row.get_attribute("data-state") for row in page.locator("tr[data-filer]").all()}
        assert states == {"accepted", "returned", "missing_late"}
        assert page.locator("[data-late]").count() == 2  # both districts filed after the deadline
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1
        _shot(page, tmp_path, f"programme-filings-{language}-{viewport['width']}")
        page.close()


def test_jinan_board_for_the_office_on_phone_and_tablet_and_for_a_department_liaison(demo, live_server, tmp_path):
    _demo_holds_the_jinan_task_list_once()  # one demo load for the whole file (it is the slow part)
    programme = Programme.objects.get(code="JN-TZPY-2020")
    with chromium() as browser:
        for viewport in (PHONE, TABLET):
            _office(browser, live_server.url, programme, viewport, tmp_path)
        _liaison(browser, live_server.url, programme, tmp_path)
        _filings(browser, live_server.url, tmp_path)
