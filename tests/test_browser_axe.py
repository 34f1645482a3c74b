"""Every page a persona can open passes axe-core with no serious or critical violation, and none scrolls sideways.

The pages are the language crawl's (the permission matrix's GET cases with the matrix world's ids), each opened
in Debian Chromium by the first crawler allowed to see it: in Chinese on the tablet (768×1024) and in English on
the phone (390×844). axe-core comes inside the axe-playwright-python wheel and is injected into the page from
the test process: nothing is fetched from outside.
"""
import pytest
from django.conf import settings
from django.test import Client

from .browser import PHONE, TABLET, chromium
from .matrix_world import build_world
from .test_language_crawl import CRAWLERS, _pages
from .test_permission_matrix import personas, world_ids  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]
BLOCKING = ("serious", "critical")


def _first_viewer(urls, users) -> dict[str, str]:
    """url -> the first crawler to whom it is an HTML page (the cheap test client decides, not the browser)."""
    viewer = {}
    for name, user in users.items():
        client = Client()
        client.force_login(user)
        for url in urls:
            if url in viewer:
                continue
            response = client.get(url)
            if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
                viewer[url] = name
    return viewer


def _signed_in(browser, base_url, user, language, viewport):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport)
    context.add_cookies([
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
         "url": base_url},
        {"name": "django_language", "value": language, "url": base_url},
    ])
    return context


def _problems(page, axe, url, name) -> list[str]:
    found = []
    for violation in axe.run(page).response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [node["target"] for node in violation["nodes"][:3]]
            found.append(f"{url} as {name}: {violation['id']} ({violation['impact']}) at {targets}")
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > page.viewport_size["width"] + 1:
        found.append(f"{url} as {name}: scrolls sideways ({width}px)")
    return found


@pytest.fixture
def crawl_world(transactional_db, people, tree, personas):
    world = build_world(people, tree)
    users = {name: personas[name] for name in CRAWLERS}
    return _first_viewer(_pages(world_ids(world, tree)), users), users


@pytest.mark.parametrize("language,viewport", [("zh-hans", TABLET), ("en", PHONE)])
def test_every_reachable_page_passes_axe_and_fits_the_screen(crawl_world, live_server, language, viewport):
    from axe_playwright_python.sync_playwright import Axe

    viewer, users = crawl_world
    assert len(viewer) > 40, len(viewer)
    axe, found = Axe(), []
    with chromium() as browser:
        for name, user in users.items():
            mine = [url for url, who in viewer.items() if who == name]
            if not mine:
                continue
            context = _signed_in(browser, live_server.url, user, language, viewport)
            page = context.new_page()
            for url in mine:
                response = page.goto(live_server.url + url)
                assert response.status == 200, (url, name, response.status)
                found += _problems(page, axe, url, name)
            context.close()
    assert not found, "\n".join(found)


def test_axe_sees_a_contrast_failure_when_there_is_one(live_server):
    """The check can fail: a page with pale grey text on white is reported as serious."""
    from axe_playwright_python.sync_playwright import Axe

    with chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        page.set_content('<html lang="en"><head><title>t</title></head><body><main>'
                         '<p style="color:#c0c0c0;background:#fff">pale</p></main></body></html>')
        problems = _problems(page, Axe(), "inline", "nobody")
    assert any("color-contrast (serious)" in p for p in problems), problems
