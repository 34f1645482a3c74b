"""Every page a persona can open, in Chinese and in English: no developer message, raw code or untranslated chrome.

Pages are the permission matrix's own GET cases with the matrix world's real ids (tests/test_permission_matrix.py),
so a new page is crawled as soon as it has a matrix entry.
"""
import re

import pytest
from django.test import Client

from .matrix_world import build_world
from .test_permission_matrix import MATRIX, all_patterns, concrete_url, fill, personas, world_ids  # noqa: F401 (fixture)

CRAWLERS = ("staff_A", "leader_A", "inspector_DA", "leader_DA", "leader_city", "admin_city")
# Strings that must never reach a person, in either language.
LEFTOVERS = ("No viewsets found", "We're sorry", "View site", "Timer Done", "Traceback", ">None<", "轮轮")
RAW_CODES = ("order.issued", "recheck.fail", "recheck.pass", "report.submitted", "closure.approved")
AUDIT_VIEWER = "/security/audit/"  # the one place where the raw action codes belong
# Chinese chrome that the English pages must have translated (user content and names may stay Chinese).
CHROME_ZH = ("工作台", "待我办理", "下一步", "办理记录", "返回工作台", "页面不存在", "我的机构与职责")


def _pages(ids) -> list[str]:
    urls = []
    for pattern in all_patterns():
        entry = MATRIX.get(pattern)
        for case in (entry if isinstance(entry, tuple) else (entry,)) if entry else ():
            if case.method == "get" and not pattern.startswith(("api/", "admin/")):
                urls.append(fill(case.url or concrete_url(pattern), ids))
    return sorted(set(urls))


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def crawl(people, tree, personas):
    world = build_world(people, tree)
    return _pages(world_ids(world, tree)), {name: personas[name] for name in CRAWLERS}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_reachable_page_is_clean_in_both_languages(crawl, language):
    urls, users = crawl
    found, crawled = [], 0
    for name, user in users.items():
        client = Client()
        client.cookies["django_language"] = language
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            crawled += 1
            text = _text(response.content.decode())
            banned = LEFTOVERS if url.startswith(AUDIT_VIEWER) else LEFTOVERS + RAW_CODES
            found += [f"{url} as {name}: {s!r}" for s in banned if s in text]
            if language == "en":
                found += [f"{url} as {name}: untranslated {s!r}" for s in CHROME_ZH if s in text]
    assert crawled > 60, crawled
    assert not found, "\n".join(found)
