"""A visit recorded with the network off: check in, answer every item, record 4 findings with 2 photos each, delete
one, reload halfway, switch the tablet off and on again (same profile, still offline); then online: on the server
every answer, exactly 3 findings, 6 photos whose stored originals hash as sent, each write exactly once, check-in first.

Not yet offline end to end: the summary screen's offline copy is the one cached when the visit was opened (0/31, no
signature button), so signing and submitting offline work only from a sign page opened online
(tests/test_visits_offline_browser.py); the summary should be drawn from the tablet's own state."""
import base64
import hashlib

import pytest

from inspections.models import Attachment, ClientWrite, Finding, Visit, VisitItemResult

from .browser import TABLET, login
from .test_browser_visits import JINAN, PASSWORD, _wait_js, one_browser  # noqa: F401 (a fixture)
from .test_visits_offline_browser import OUTBOX, PHOTOS_QUEUED, _record_finding
from .test_visits_offline_sync_browser import _ready, _synced, _tablet, planned  # noqa: F401 (a fixture)
from .visits_helpers import png_bytes

pytestmark = pytest.mark.browser
FAILED = ("A1", "A2", "A3", "A4")


def _photo(name, colour):
    return {"name": name, "mimeType": "image/png", "buffer": png_bytes((1200, 900), background=colour)}


def _answer_open_section(page):
    """Pass every item of the section on screen that has no answer yet."""
    for article in page.locator(".vs-section:not([hidden]) .vs-item").all():
        if article.locator("[aria-pressed=true]").count() == 0:
            article.locator(".vs-choice--pass").click()
            article.locator(".vs-item__status[data-kind=queued]").wait_for()


def test_a_visit_recorded_offline_through_a_reload_and_a_restart_arrives_once_and_in_order(one_browser, planned, live_server, tmp_path):
    base, profile = live_server.url, tmp_path / "tablet"
    context = _tablet(one_browser, profile)
    context.grant_permissions(["geolocation"])
    context.set_geolocation(JINAN)
    page = context.pages[0]
    login(page, base, "district_inspector", PASSWORD)
    _ready(page, f"{base}/visits/{planned.pk}/")  # opening the visit caches its screens
    context.set_offline(True)

    page.click("#vs-checkin")
    page.wait_for_url(f"**/visits/{planned.pk}/conduct/**")
    cards = {code: _record_finding(page, code, f"{code} 离线发现的问题",
                                   [_photo(f"{code}-1.png", (200, 20 * n, 0, 255)),
                                    _photo(f"{code}-2.png", (0, 20 * n, 200, 255))])
             for n, code in enumerate(FAILED)}
    page.once("dialog", lambda d: d.accept())
    cards["A2"].locator(".vs-finding__remove").click()
    cards["A2"].wait_for(state="hidden")
    _answer_open_section(page)
    page.reload()  # halfway, still offline: the service worker's copy with the outbox drawn over it
    page.locator(".vs-item[data-code=A4] .vs-finding .vs-thumbs img").nth(1).wait_for()
    sent = [base64.b64decode(b) for b in page.evaluate(PHOTOS_QUEUED)]
    context.close()  # the tablet is switched off, offline

    context = _tablet(one_browser, profile, offline=True)
    page = context.pages[0]
    page.goto(f"{base}/visits/{planned.pk}/conduct/")
    page.locator(".vs-item[data-code=A1] .vs-finding .vs-thumbs img").nth(1).wait_for()
    for _ in range(7):  # the standard checklist's 8 sections, each answered, then the next
        _answer_open_section(page)
        page.locator(".vs-section:not([hidden]) .vs-section-nav [data-goto]").last.click()
    _answer_open_section(page)
    assert page.inner_text("#vs-progress") == "31/31"
    kinds = [e["kind"] for e in page.evaluate(OUTBOX)]
    assert kinds[0] == "checkin" and kinds.count("finding") == 4 and kinds.count("photo") == 8, kinds

    context.set_offline(False)
    _synced(page, timeout=120)
    visit = Visit.objects.get(pk=planned.pk)
    assert visit.status == Visit.Status.IN_PROGRESS and visit.checkin_offline
    assert VisitItemResult.objects.filter(visit=visit).count() == 31
    findings = Finding.objects.filter(visit=visit).order_by("item__code")
    assert [f.item.code for f in findings] == ["A1", "A3", "A4"]
    kept = Attachment.objects.filter(findings__in=findings)
    assert kept.count() == 6
    queued = {hashlib.sha256(b).hexdigest() for b in sent}
    for attachment in kept:
        assert hashlib.sha256(attachment.original.read()).hexdigest() == attachment.original_sha256
        assert attachment.original_sha256 in queued
    writes = list(ClientWrite.objects.order_by("applied_at", "pk").values_list("action", "client_uuid"))
    assert len({uuid for _, uuid in writes}) == len(writes)  # each write once
    actions = [a for a, _ in writes]
    assert actions[0] == "check_in" and actions.count("delete") == 1 and actions.count("photo") == 8
    context.close()
