"""Dashboard and school pages: scoping, drill-down links, the score, 404 for what is not visible."""
import datetime as dt

import pytest
from django.test import Client

from inspections.reports.stats import score_formula, school_scores

from .reports_helpers import national_day_data


@pytest.fixture
def data(tree, people):
    return national_day_data(tree, people)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_city_dashboard_page_shows_figures_and_inline_svg(people, tree, data):
    body = _client(people.city_leader).get("/reports/").content.decode()
    assert "<svg" in body and "甲区教体局" in body and "乙区教体局" in body and "66.7%" in body
    assert "http://" not in body.split("<svg")[1].split("</svg>")[0].replace("http://www.w3.org/2000/svg", "")


def test_district_dashboard_page_excludes_other_district(people, tree, data):
    body = _client(people.district_leader).get("/reports/").content.decode()
    assert "甲一职专" in body and "乙一职专" not in body


def test_district_leader_gets_404_drilling_into_other_district(people, tree, data):
    assert _client(people.district_leader).get(f"/reports/?org={tree.district_b.pk}").status_code == 404


def test_bad_filter_is_400(people, data):
    assert _client(people.city_leader).get("/reports/?start=yesterday").status_code == 400


def test_school_page_shows_open_orders_and_score(people, tree, data):
    body = _client(people.school_staff).get(f"/reports/schools/{tree.school_a.pk}/").content.decode()
    assert data.orders[1].number in body and data.orders[0].number in body and "<svg" in body


def test_outsider_gets_404_on_another_schools_page(people, tree, data):
    assert _client(people.outsider).get(f"/reports/schools/{tree.school_a.pk}/").status_code == 404
    assert _client(people.other_district_leader).get(f"/reports/schools/{tree.school_a.pk}/").status_code == 404


def test_score_formula_weights_severity_hazard_and_lateness():
    assert score_formula({}, 0) == 100
    assert score_formula({("general", False): 2, ("serious", False): 1, ("major", True): 1}, 1) == 100 - 4 - 5 - 15 - 5
    assert score_formula({("major", True): 10}, 0) == 0


def test_school_score_per_quarter(tree, data):
    scores = {s["label"]: s for s in school_scores(tree.school_a, dt.date(2026, 12, 1), quarters=6)}
    # 2026Q3: F2 serious (5) + F3 major (10); O2 overdue (5) → 80. O1 closed on time.
    assert scores["2026Q3"]["score"] == 80 and scores["2026Q3"]["late"] == 1
    assert scores["2025Q4"]["score"] == 98  # F1 general
    assert scores["2026Q4"]["score"] == 100


def test_dashboard_lists_units_with_work_and_folds_the_quiet_ones(people, tree, data):
    from organizations.services import organization_create
    organization_create(code="DQ", name="丙县教体局", kind="district", parent=tree.city, doc_prefix="丙教督改")
    body = _client(people.city_leader).get("/reports/").content.decode()
    table = body.split("下级单位", 1)[1].split("</table>", 1)[0]
    quiet = body.split("data-quiet-units", 1)[1].split("</details>", 1)[0] if "data-quiet-units" in body else ""
    assert "甲区教体局" in table
    assert "丙县教体局" in quiet and "丙县教体局" not in table  # no orders, no findings: not a table row
