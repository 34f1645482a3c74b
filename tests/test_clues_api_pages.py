"""GET /api/v1/clues/ in keyset pages: newest received first, every clue once, the complainant still masked."""
import datetime as dt

from django.utils import timezone
from rest_framework.test import APIClient

from inspections.clues.services import clue_register

from .clue_helpers import NAME


def clues(people, tree, n):
    start = timezone.now() - dt.timedelta(days=1)
    return [clue_register(source="hotline", external_ref=f"GD-{i}", received_at=start + dt.timedelta(minutes=i % 3),
                          content="反映问题", school=tree.school_a, complainant_name=NAME, complainant_contact="139",
                          registered_by=people.district_leader) for i in range(n)]


def walk(user, url):
    client, seen, pages = APIClient(), [], 0
    client.force_authenticate(user)
    while url:
        body = client.get(url).json()
        assert set(body) == {"results", "next"}
        seen += body["results"]
        url, pages = body["next"], pages + 1
    return seen, pages


def test_pages_hold_every_visible_clue_once_newest_first(people, tree):
    made = clues(people, tree, 7)  # ties on received_at: the cursor must still not skip or repeat
    seen, pages = walk(people.district_leader, "/api/v1/clues/?page_size=3")
    assert pages == 3 and sorted(c["id"] for c in seen) == sorted(c.pk for c in made)
    stamps = [c["received_at"] for c in seen]
    assert stamps == sorted(stamps, reverse=True)


def test_pages_keep_the_complainant_masked_and_others_out(people, tree):
    clues(people, tree, 2)
    seen, _ = walk(people.district_inspector, "/api/v1/clues/?page_size=1")  # a verifier, not the registrar
    assert len(seen) == 2 and all(not c["complainant_visible"] and c["complainant_name"] != NAME for c in seen)
    assert walk(people.other_district_leader, "/api/v1/clues/")[0] == []
    assert walk(people.school_leader, "/api/v1/clues/")[0] == []


def test_a_bad_cursor_is_400(people, tree):
    client = APIClient()
    client.force_authenticate(people.district_leader)
    assert client.get("/api/v1/clues/?cursor=garbage").status_code == 400
