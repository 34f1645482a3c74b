"""The ledger: scope, filters, keyset pages that survive inserts, and a fixed query count per page."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.gen_orders import generate
from inspections.reports.ledger import LedgerFilter, filter_from_params, ledger_page

from .reports_helpers import at, make_order, national_day_data


@pytest.fixture
def data(tree, people):
    return national_day_data(tree, people)


def _walk(user, flt, size, between_pages=None):
    seen, cursor, pages = [], None, 0
    while True:
        page = ledger_page(user, flt, cursor, size=size)
        seen += [o.pk for o in page.rows]
        pages += 1
        if between_pages:
            between_pages(pages)
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor


def test_ledger_is_newest_first_and_scoped_to_the_district(people, data):
    rows = ledger_page(people.district_leader, LedgerFilter()).rows
    o1, o2, o3, _, _ = data.orders
    assert [o.pk for o in rows] == [o2.pk, o1.pk, o3.pk]
    assert rows[0].finding_count == 1


def test_school_sees_only_its_own_orders(people, tree, data):
    rows = ledger_page(people.school_staff, LedgerFilter()).rows
    assert {o.school_id for o in rows} == {tree.school_a.pk}
    assert ledger_page(people.other_school_staff, LedgerFilter()).rows[0].school_id == tree.school_b.pk


def test_filters_status_and_overdue(people, data):
    assert [o.pk for o in ledger_page(people.city_leader, LedgerFilter(overdue=True)).rows] == [data.orders[1].pk]
    closed = ledger_page(people.city_leader, filter_from_params({"status": "closed"})).rows
    assert len(closed) == 3


def test_bad_filter_or_cursor_is_a_validation_error(people, data):
    with pytest.raises(ValidationError):
        filter_from_params({"severity": "apocalyptic"})
    with pytest.raises(ValidationError):
        ledger_page(people.city_leader, LedgerFilter(), cursor="bm90LWEtY3Vyc29y")


def test_keyset_pages_skip_nothing_and_repeat_nothing_under_inserts(people, tree, data):
    base = dt.datetime(2026, 3, 2, 10, tzinfo=dt.timezone.utc)
    for i in range(20):  # several orders share one issue time: the id breaks the tie
        make_order(school=tree.school_a, issuer=tree.district_a, issued_by=people.district_inspector,
                   issued=base + dt.timedelta(hours=i // 3))
    before = {o.pk for o in ledger_page(people.city_leader, LedgerFilter(), size=1000).rows}
    inserted = []

    def insert(page_no):
        # newer than everything (lands on page 1, already read) and one in the middle of the pages
        for when in (at(dt.date(2027, 1, 5)), base + dt.timedelta(hours=3, minutes=30)):
            inserted.append(make_order(school=tree.school_a, issuer=tree.district_a,
                                       issued_by=people.district_inspector, issued=when).pk)

    seen = _walk(people.city_leader, LedgerFilter(), size=4, between_pages=insert)
    assert len(seen) == len(set(seen))  # nothing twice
    assert before <= set(seen)  # nothing that existed at the start was skipped


def _page_queries(user, cursor=None):
    ledger_page(user, LedgerFilter(), cursor, size=20)  # warm the content-type cache
    with CaptureQueriesContext(connection) as ctx:
        page = ledger_page(user, LedgerFilter(), cursor, size=20)
    return len(ctx.captured_queries), page


@pytest.mark.parametrize("who", ["city_leader", "school_staff"])
def test_ledger_page_query_count_does_not_grow(people, data, who):
    small, _ = _page_queries(getattr(people, who))
    generate(400, seed=3)
    large, page = _page_queries(getattr(people, who))
    assert large == small <= 5
    later, _ = _page_queries(getattr(people, who), page.next_cursor)
    assert later == small
