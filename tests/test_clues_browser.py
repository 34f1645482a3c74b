"""The clue page and the public results page fit a tablet and a phone, with no asset from outside."""
import pytest

from inspections.campaigns.services import draw_create, draw_publish, inspector_pool, results_publish

from .browser import PHONE, TABLET, chromium, login
from .clue_helpers import NAME, hotline_clue
from .draw_helpers import city_inspectors, random_campaign

pytestmark = pytest.mark.browser


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_clue_page_and_public_page_on_tablet_and_phone(transactional_db, live_server, people, tree, tmp_path):
    clue = hotline_clue(people, tree, registered_by=people.district_leader)
    city_inspectors(tree)
    campaign = random_campaign(people, tree)
    draw_publish(draw=draw_create(campaign=campaign, user=people.city_leader, schools=[tree.school_a], n=1,
                                  inspectors=inspector_pool(campaign=campaign)), user=people.city_leader)
    from django.utils import timezone

    campaign.visits.update(checkin_at=timezone.now())  # the public page names a school once its visit starts
    results_publish(campaign=campaign, user=people.city_leader)  # the public page is live only after this
    with chromium() as browser:
        for name, viewport in (("tablet", TABLET), ("phone", PHONE)):
            context = browser.new_context(viewport=viewport, locale="zh-CN")
            page = context.new_page()
            outside = []
            page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
            login(page, live_server.url, "district_leader", "pw-for-tests-1")
            page.goto(f"{live_server.url}/clues/{clue.pk}/")
            assert NAME in page.locator("body").inner_text() and page.locator("select[name=decision]").is_visible()
            assert _fits(page), f"clue page overflows on {name}"
            page.screenshot(path=str(tmp_path / f"clue-{name}.png"), full_page=True)
            public = context.new_page()
            public.goto(f"{live_server.url}/public/campaigns/{campaign.pk}/")
            assert tree.school_a.name in public.locator("body").inner_text() and _fits(public)
            assert not outside, outside
            context.close()
