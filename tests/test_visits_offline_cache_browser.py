"""What a tablet keeps once a visit is opened for offline use, and its size (docs/OFFLINE.md has the table).

Opening the visit (its detail page, online) makes the service worker keep the visit's screens and what they
load. Asserted: every screen of the visit from check-in to signature is there, nothing of the API is, and the
whole stays small enough for a tablet (a bound with room, not the measured figure). With OFFLINE_CACHE_REPORT set
to a path the measured table is written there (`OFFLINE_CACHE_REPORT=/tmp/cache.md pytest this file`)."""
import os

import pytest

from .browser import TABLET, login
from .test_browser_visits import PASSWORD, _wait_js, one_browser  # noqa: F401 (a fixture)
from .test_visits_offline_sync_browser import planned  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser
BOUND = 8 * 1024 * 1024

CACHED = """async () => { const out = [];
  for (const name of await caches.keys()) { const cache = await caches.open(name);
    for (const req of await cache.keys()) { const r = await cache.match(req); const b = await r.blob();
      out.push({cache: name, url: req.url, type: (r.headers.get('Content-Type') || '').split(';')[0], bytes: b.size}); } }
  const est = await navigator.storage.estimate();
  const dbs = indexedDB.databases ? (await indexedDB.databases()).map(d => d.name) : [];
  return {entries: out, usage: est.usage, quota: est.quota, details: est.usageDetails || {}, dbs: dbs}; }"""


def _group(url: str, base: str) -> str:
    path = url[len(base):]
    if path.startswith("/static/"):
        return "static: " + path.rsplit(".", 1)[-1].split("?")[0]
    return "page: " + path


def _report(found: dict, base: str) -> str:
    rows = sorted(found["entries"], key=lambda e: (_group(e["url"], base), e["url"]))
    lines = ["| entry | type | bytes |", "|---|---|---:|"]
    lines += [f"| `{e['url'][len(base):]}` | {e['type']} | {e['bytes']:,} |" for e in rows]
    total = sum(e["bytes"] for e in rows)
    lines += [f"| **Cache Storage, {len(rows)} entries** | | **{total:,}** |",
              f"| `navigator.storage.estimate()` usage (all stores) | | {found['usage']:,} |"]
    lines += [f"| estimate: {k} | | {v:,} |" for k, v in sorted(found["details"].items())]
    return "\n".join(lines) + "\n"


def test_opening_a_visit_keeps_its_screens_for_offline_use_within_a_bound(one_browser, planned, live_server):
    base = live_server.url
    context = one_browser.new_context(viewport=TABLET, locale="zh-CN", service_workers="allow")
    page = context.new_page()
    login(page, base, "district_inspector", PASSWORD)
    page.goto(f"{base}/visits/{planned.pk}/")
    _wait_js(page, "!!document.documentElement.dataset.vsOfflineReady", timeout=60)
    found = page.evaluate(CACHED)
    urls = {e["url"][len(base):] for e in found["entries"]}
    pk = planned.pk
    assert {f"/visits/{pk}/", f"/visits/{pk}/conduct/", f"/visits/{pk}/summary/", f"/visits/{pk}/sign/"} <= urls
    assert any(u.endswith("visit_state.js") or "visit_state." in u for u in urls)
    assert not [u for u in urls if "/api/" in u or "/accounts/login" in u]
    total = sum(e["bytes"] for e in found["entries"])
    assert 0 < total < BOUND, total
    if os.environ.get("OFFLINE_CACHE_REPORT"):
        with open(os.environ["OFFLINE_CACHE_REPORT"], "w") as f:
            f.write(_report(found, base))
    context.close()


OUTBOX_SIZE = """async () => { const all = await new Promise(ok => { const r = indexedDB.open('dudao-outbox');
    r.onsuccess = () => { const q = r.result.transaction('writes').objectStore('writes').getAll();
    q.onsuccess = () => ok(q.result); }; });
  const kinds = {};
  for (const e of all) { const k = kinds[e.kind] = kinds[e.kind] || {n: 0, bytes: 0};
    k.n += 1; k.bytes += (e.blob ? e.blob.size : 0) + JSON.stringify(Object.assign({}, e, {blob: null})).length; }
  const est = await navigator.storage.estimate();
  return {kinds: kinds, usage: est.usage, details: est.usageDetails || {}}; }"""


def write_outbox_report(page) -> None:
    """With OFFLINE_OUTBOX_REPORT set: what the outbox holds (per kind, bytes of blobs plus JSON) and the
    browser's estimate, written as a table (called by the whole-visit test before it goes online)."""
    path = os.environ.get("OFFLINE_OUTBOX_REPORT")
    if not path:
        return
    found = page.evaluate(OUTBOX_SIZE)
    lines = ["| outbox write | count | bytes |", "|---|---:|---:|"]
    lines += [f"| {k} | {v['n']} | {v['bytes']:,} |" for k, v in sorted(found["kinds"].items())]
    lines += [f"| **all** | {sum(v['n'] for v in found['kinds'].values())} | "
              f"**{sum(v['bytes'] for v in found['kinds'].values()):,}** |",
              f"| `navigator.storage.estimate()` usage | | {found['usage']:,} |"]
    lines += [f"| estimate: {k} | | {v:,} |" for k, v in sorted(found["details"].items())]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
