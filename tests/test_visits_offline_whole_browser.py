"""A visit recorded with the network off from check-in to submission: check in, answer every item, record 4
findings with 2 photos each, delete one (its item then passes), reload halfway, switch the tablet off and on again
(same profile, still offline), then the summary and the sign screen drawn from the tablet's own state: the school's
representative signs and the lead inspector submits, both offline. Then online: on the server every answer,
exactly 3 findings, 6 photos whose stored originals hash as sent, the signature and the submission, each write
exactly once and in the order it was made on the tablet."""
import base64
import hashlib

import pytest

from inspections.models import Attachment, ClientWrite, Finding, Visit, VisitItemResult

from .browser import TABLET, login
from .test_browser_visits import JINAN, PASSWORD, _wait_js, one_browser  # noqa: F401 (a fixture)
from .test_visits_offline_cache_browser import write_outbox_report
from .test_visits_offline_browser import OUTBOX, PHOTOS_QUEUED, _draw, _record_finding
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


def test_a_visit_done_offline_through_a_reload_and_a_restart_arrives_once_and_in_order(one_browser, planned, live_server, tmp_path):
    base, profile = live_server.url, tmp_path / "tablet"
    context = _tablet(one_browser, profile)
    context.grant_permissions(["geolocation"])
    context.set_geolocation(JINAN)
    page = context.pages[0]
    login(page, base, "district_inspector", PASSWORD)
    _ready(page, f"{base}/visits/{planned.pk}/")  # opening the visit caches its screens
    context.set_offline(True)
    answered = _watch_posts(context, [])  # a write answered while "offline" would mean the test's network leaked

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
    _watch_posts(context, answered)
    page = context.pages[0]
    page.goto(f"{base}/visits/{planned.pk}/conduct/")
    page.locator(".vs-item[data-code=A1] .vs-finding .vs-thumbs img").nth(1).wait_for()
    for _ in range(7):  # the standard checklist's 8 sections, each answered, then the next
        _answer_open_section(page)
        page.locator(".vs-section:not([hidden]) .vs-section-nav [data-goto]").last.click()
    _answer_open_section(page)
    assert page.inner_text("#vs-progress") == "31/31"
    _sign_and_submit_offline(page, base, planned.pk)
    made = page.evaluate(OUTBOX)
    kinds = [e["kind"] for e in made]
    assert kinds[0] == "checkin" and kinds.count("finding") == 4 and kinds.count("photo") == 8, kinds
    assert kinds[-2:] == ["sign", "submit"], kinds
    assert "待上传" in page.inner_text("#vs-sync") and "未上传" in page.inner_text(".vs-chip--status")
    assert Visit.objects.get(pk=planned.pk).status == Visit.Status.PLANNED, (  # nothing reached the server yet
        answered, list(ClientWrite.objects.values_list("action", flat=True)))
    write_outbox_report(page)

    context.set_offline(False)
    page.wait_for_url(f"{base}/visits/{planned.pk}/", timeout=120000)  # the summary moves on once submitted
    _synced(page, timeout=120)
    visit = Visit.objects.get(pk=planned.pk)
    assert visit.status == Visit.Status.SUBMITTED and visit.checkin_offline
    assert visit.representative_name == "郑校长" and visit.representative_signature.read().startswith(b"\x89PNG")
    assert visit.summary == "离线完成的检查"
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
    assert [str(u) for _, u in writes] == [e["uuid"] for e in made]  # all of them, in the tablet's order
    actions = [a for a, _ in writes]
    assert actions[0] == "check_in" and actions.count("delete") == 1 and actions.count("photo") == 8
    assert actions[-2:] == ["sign", "submit"]
    context.close()


def _watch_posts(context, seen: list[str]) -> list[str]:
    context.on("requestfinished", lambda r: seen.append(r.url) if r.method == "POST" else None)
    return seen


def _sign_and_submit_offline(page, base, pk):
    """Offline: the summary drawn from the outbox blocks the signature while A2 fails without a finding; once A2
    passes, the representative signs and the lead submits, each kept on the tablet."""
    page.locator(".vs-section:not([hidden]) a[href$='/summary/']").click()
    page.locator("#vs-summary[data-vs-drawn=in_progress]").wait_for()
    assert page.inner_text("#vs-sum-progress") == "31/31" and page.inner_text("#vs-sum-count") == "3"
    assert page.locator(".vs-sum-finding[data-local]:visible").count() == 3
    assert page.locator(".vs-sum-finding[data-local] .vs-thumbs img").count() == 6
    assert page.locator("#vs-sum-missing").is_visible()  # A2 fails and its finding was deleted
    page.click("#vs-go-sign")
    page.locator("#vs-sign-incomplete").wait_for()
    assert not page.locator("#vs-sign-ready").is_visible()
    page.goto(f"{base}/visits/{pk}/conduct/")
    page.locator(".vs-tab").first.click()
    before = len(page.evaluate(OUTBOX))
    page.locator(".vs-item[data-code=A2] .vs-choice--pass").click()
    _wait_js(page, f"document.documentElement.dataset.vsOutbox === '{before + 1}'")  # kept on the tablet
    page.goto(f"{base}/visits/{pk}/summary/")
    page.locator("#vs-summary[data-vs-drawn=in_progress]").wait_for()
    assert not page.locator("#vs-sum-missing").is_visible() and not page.locator("#vs-submit-form").is_visible()
    page.click("#vs-go-sign")
    page.locator("#vs-sign-ready").wait_for()
    page.fill("#vs-rep-name", "郑校长")
    _draw(page)
    page.click("#vs-sign-save")
    page.wait_for_url(f"**/visits/{pk}/summary/")  # offline: on to the summary at once
    page.locator("#vs-summary[data-vs-drawn=signed]").wait_for()
    assert "郑校长" in page.inner_text("#vs-sum-local-sign") and not page.locator("#vs-go-sign").is_visible()
    page.fill("textarea[name=summary]", "离线完成的检查")
    page.click("#vs-submit")
    page.locator("#vs-summary[data-vs-drawn=submitted]").wait_for()
    assert "服务器接受后才算提交" in page.inner_text("#vs-submit-form") and page.is_disabled("#vs-submit")
