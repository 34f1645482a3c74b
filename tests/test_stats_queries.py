"""The dashboard's query count is fixed: it does not grow with the number of orders."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.gen_orders import generate
from inspections.reports.stats import StatsFilter, dashboard

from .reports_helpers import national_day_data


def _queries(user, flt):
    dashboard(user, flt)  # warm Django's content-type cache, which is per process, not per request
    with CaptureQueriesContext(connection) as ctx:
        dashboard(user, flt)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["city_leader", "district_leader", "school_staff"])
def test_dashboard_queries_do_not_grow_with_rows(people, tree, who):
    data = national_day_data(tree, people)
    user = getattr(people, who)
    small = _queries(user, StatsFilter())
    generate(300, seed=1)
    large = _queries(user, StatsFilter())
    assert large == small
    assert large <= 20


def test_drill_down_and_filters_keep_query_count(people, tree):
    data = national_day_data(tree, people)
    flt = StatsFilter(org_id=tree.school_a.pk, severity="serious", section_id=data.sections["A"].pk)
    small = _queries(people.city_leader, flt)
    generate(200, seed=2)
    assert _queries(people.city_leader, flt) == small
