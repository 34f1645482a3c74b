"""Dashboard figures against the hand-counted National Day 2026 fixture (see reports_helpers)."""
import datetime as dt

import pytest
from django.http import Http404

from inspections.reports.stats import StatsFilter, dashboard
from workflows.calendar import working_days_between

from .reports_helpers import national_day_data


@pytest.fixture
def data(tree, people):
    return national_day_data(tree, people)


def _counts(board):
    o = board.orders
    return (o["total"], o["open"], o["overdue"], o["closed"], o["closed_on_time"])


def test_city_leader_sees_all_figures_counted_by_hand(people, data):
    board = dashboard(people.city_leader, StatsFilter())
    assert board.visits == 2  # the planned surprise visit is not counted
    assert board.findings == 7
    assert _counts(board) == (5, 2, 1, 3, 2)
    assert board.on_time_rate == round(2 / 3, 4)
    assert board.median_days == 4  # working days 4, 7, 3 across the holidays


def test_working_days_to_close_follow_the_official_calendar(data):
    o1, _, o3, o4, _ = data.orders
    assert working_days_between(o1.issued_at, o1.closed_at) == 4
    assert working_days_between(o3.issued_at, o3.closed_at) == 7
    assert working_days_between(o4.issued_at, o4.closed_at) == 3
    # O1 took 11 calendar days over National Day and is still on time: due on make-up Saturday 10-10.
    assert o1.deadline.due_at.date() == dt.date(2026, 10, 10)


def test_repeat_finding_is_same_item_same_school_within_twelve_months(people, data):
    board = dashboard(people.city_leader, StatsFilter())
    assert board.repeat_findings == 1  # F2 only: F4 is another school, F6 came 392 days after F5


def test_repeat_counts_earlier_failure_outside_the_period(people, data):
    board = dashboard(people.city_leader, StatsFilter(start=dt.date(2026, 9, 1), end=dt.date(2026, 10, 31)))
    assert board.findings == 5
    assert board.repeat_findings == 1


def test_findings_by_section_and_severity(people, data):
    board = dashboard(people.city_leader, StatsFilter())
    got = {(r["item__section__code"], r["severity"]): r["n"] for r in board.breakdown}
    assert got == {("A", "general"): 2, ("A", "serious"): 2, ("A", "major"): 1, ("B", "general"): 2}


def test_slowest_schools_by_mean_working_days(people, tree, data):
    board = dashboard(people.city_leader, StatsFilter())
    assert [(r["school"].pk, r["mean_days"]) for r in board.slowest] == [
        (tree.school_a2.pk, 7), (tree.school_a.pk, 4), (tree.school_b.pk, 3)]
    assert board.slowest[1]["open_overdue"] == 1


def test_city_drill_down_lists_districts_and_direct_schools(people, tree, data):
    board = dashboard(people.city_leader, StatsFilter())
    rows = {r["org"].pk: (r["total"], r["open"], r["overdue"], r["closed"], r["findings"]) for r in board.drill}
    assert rows == {tree.district_a.pk: (3, 1, 1, 2, 4), tree.district_b.pk: (1, 0, 0, 1, 2),
                    tree.school_c.pk: (1, 1, 0, 0, 1)}


def test_drill_down_to_district_then_school_then_orders(people, tree, data):
    board = dashboard(people.city_leader, StatsFilter(org_id=tree.district_a.pk))
    assert {r["org"].pk for r in board.drill} == {tree.school_a.pk, tree.school_a2.pk}
    school = dashboard(people.city_leader, StatsFilter(org_id=tree.school_a.pk))
    assert [o.pk for o in school.school_orders] == [data.orders[1].pk, data.orders[0].pk]


def test_district_leader_numbers_exclude_other_districts(people, data):
    board = dashboard(people.district_leader, StatsFilter())
    assert board.visits == 1 and board.findings == 4
    assert _counts(board) == (3, 1, 1, 2, 1)
    assert board.on_time_rate == 0.5 and board.median_days == 5.5


def test_district_leader_cannot_drill_into_other_district(people, tree, data):
    with pytest.raises(Http404):
        dashboard(people.district_leader, StatsFilter(org_id=tree.district_b.pk))


def test_school_sees_only_itself(people, data):
    board = dashboard(people.school_staff, StatsFilter())
    assert board.findings == 3 and board.visits == 1
    assert _counts(board) == (2, 1, 1, 1, 1)
    assert board.drill == []


def test_filters_severity_and_section(people, data):
    major = dashboard(people.city_leader, StatsFilter(severity="major"))
    assert _counts(major)[:3] == (1, 1, 1) and major.findings == 1
    section_b = dashboard(people.city_leader, StatsFilter(section_id=data.sections["B"].pk))
    assert section_b.orders["total"] == 1 and section_b.findings == 2


def test_outsider_without_role_sees_nothing(db, data):
    from django.contrib.auth import get_user_model

    nobody = get_user_model().objects.create_user(username="nobody", password="pw-for-tests-1")
    board = dashboard(nobody, StatsFilter())
    assert board.findings == 0 and board.orders["total"] == 0 and board.drill == []
