"""Headless Chromium for browser tests: Debian's /usr/bin/chromium, never a downloaded build."""
import os
import shutil
from contextlib import contextmanager

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--disable-component-update", "--disable-sync"]

TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}


def require_chromium():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed")


@contextmanager
def chromium():
    require_chromium()
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by
    # the test itself between page actions are ordinary blocking calls.
    # The flag is restored afterwards so that it never leaks into later tests.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def login(page, base_url, username, password, timeout=30000):
    """Sign in through the login form and return once the browser has left the login page.

    Waiting for "network idle" raced the form: idle can come before the POST's navigation starts, and
    the next step then ran on the login page. Here the click and the navigation it causes are awaited
    together, then the URL (after the redirects) must be off /accounts/login/ and the login form gone:
    the site's pages use Turbo, which submits the form by fetch and pushes the new URL into the history
    before it swaps in the new page, so for a moment the URL is the home page and the body still the
    login form. A refused password fails here, with the page's message, not three steps later.
    """
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation(timeout=timeout):
        page.locator("form button[type=submit], form input[type=submit]").first.click()
    try:
        page.wait_for_url(lambda url: "/accounts/login/" not in url, timeout=timeout)
        page.locator("input[name=password]").first.wait_for(state="detached", timeout=timeout)
    except Exception as error:  # noqa: BLE001 (re-raised with what the page said)
        errors = page.locator(".errorlist, .alert, [role=alert]").all_inner_texts()
        raise AssertionError(f"login as {username} stayed on {page.url}: {errors}") from error
    page.wait_for_load_state("load")
