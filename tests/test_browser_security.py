"""The Content-Security-Policy leaves viewflow's shell working: no violation on real pages."""
import pytest
from django.core.management import call_command

from organizations.demo import DEMO_PASSWORD

from .browser import PHONE, TABLET, chromium, login

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sample || '')));
"""


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo")


def test_shell_and_audit_viewer_run_under_the_csp_without_violations(demo, live_server, tmp_path):
    with chromium() as browser:
        for name, viewport in (("tablet", TABLET), ("phone", PHONE)):
            context = browser.new_context(viewport=viewport, locale="zh-CN")
            context.add_init_script(RECORD_VIOLATIONS)
            page = context.new_page()
            console = []
            page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
            login(page, live_server.url, "jn_admin", DEMO_PASSWORD)
            assert page.evaluate("window.__csp") == []
            page.goto(f"{live_server.url}/security/audit/")
            page.wait_for_load_state("networkidle")
            body = page.locator("body").inner_text()
            assert "审计日志" in body and "auth.login" in body
            # the shell's scripts ran: viewflow's custom elements are defined
            assert page.evaluate("!!window.customElements.get('vf-page')")
            page.screenshot(path=str(tmp_path / f"audit-{name}.png"), full_page=True)
            assert page.evaluate("window.__csp") == [] and console == []
            context.close()
