"""GET /api/v1/ledger/: scoped, filtered with django-filter, keyset cursor pages."""
import pytest
from rest_framework.test import APIClient

from .reports_helpers import national_day_data


@pytest.fixture
def data(tree, people):
    return national_day_data(tree, people)


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_pages_with_cursor_without_duplicates(people, data):
    client, seen, url = _api(people.city_leader), [], "/api/v1/ledger/?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == [o.pk for o in sorted(data.orders, key=lambda o: (o.issued_at, o.pk), reverse=True)]


def test_api_filters_and_scope(people, tree, data):
    rows = _api(people.district_leader).get("/api/v1/ledger/?overdue=true").json()["results"]
    assert [r["number"] for r in rows] == [data.orders[1].number]
    rows = _api(people.school_staff).get("/api/v1/ledger/").json()["results"]
    assert {r["school"] for r in rows} == {tree.school_a.pk}
    rows = _api(people.city_leader).get(f"/api/v1/ledger/?section={data.sections['B'].pk}").json()["results"]
    assert [r["id"] for r in rows] == [data.orders[3].pk]


def test_api_rejects_bad_cursor_and_anonymous(people, data):
    assert _api(people.city_leader).get("/api/v1/ledger/?cursor=%%%").status_code == 400
    assert APIClient().get("/api/v1/ledger/").status_code in (401, 403)
