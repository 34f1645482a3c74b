"""Self-inspection over the API and on the pages, by persona: 404 for what one may not see, 403 for a step
one may not take, 409 for a step the report is not at, 400 naming the field; the visit page's panel."""
import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from inspections.visits.services import finding_record, visit_check_in, visit_plan

from .selfcheck_helpers import campaign_with_request, items, signed_selfcheck

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def setup(people, tree):
    return campaign_with_request(people, tree)


def test_the_school_runs_its_self_inspection_end_to_end_over_the_api(people, tree, setup):
    campaign, request = setup
    first, second = items(campaign)[:2]
    staff, leader = api(people.school_staff), api(people.school_leader)
    started = staff.post(f"/api/v1/selfcheck-requests/{request.pk}/start/", {}, format="json")
    assert started.status_code == 201, started.content
    pk = started.json()["id"]
    assert set(started.json()["actions"]) == {"fill", "submit"}
    assert staff.post(f"/api/v1/selfchecks/{pk}/results/", {"item": first.pk, "result": "pass"},
                      format="json").status_code == 201
    bad = staff.post(f"/api/v1/selfchecks/{pk}/results/", {"item": first.pk, "result": "maybe"}, format="json")
    assert bad.status_code == 400 and "result" in bad.json()
    made = staff.post(f"/api/v1/selfchecks/{pk}/findings/", {"item": second.pk, "description": "消防器材过期"},
                      format="json")
    assert made.status_code == 201 and made.json()["findings"][0]["item"] == second.pk
    assert api(people.district_inspector).get(f"/api/v1/selfchecks/{pk}/").status_code == 404  # a draft
    assert staff.post(f"/api/v1/selfchecks/{pk}/submit/", {"summary": "已自查"}, format="json").status_code == 200
    assert staff.post(f"/api/v1/selfchecks/{pk}/sign/", {"approve": True}, format="json").status_code == 403
    assert staff.post(f"/api/v1/selfchecks/{pk}/submit/", {"summary": "再交"}, format="json").status_code == 409
    signed = leader.post(f"/api/v1/selfchecks/{pk}/sign/", {"approve": True}, format="json")
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    assert leader.post(f"/api/v1/selfchecks/{pk}/sign/", {"approve": True}, format="json").status_code == 409
    finding = signed.json()["findings"][0]["id"]
    planned = staff.post(f"/api/v1/selfcheck-findings/{finding}/plan/", {"plan": "更换灭火器",
                         "plan_due": (timezone.localdate() + dt.timedelta(days=3)).isoformat()}, format="json")
    assert planned.status_code == 200 and planned.json()["status"] == "planned"
    assert staff.post(f"/api/v1/selfcheck-findings/{finding}/close/", {"note": "已更换"},
                      format="json").status_code == 403
    assert leader.post(f"/api/v1/selfcheck-findings/{finding}/close/", {"note": "已更换"},
                       format="json").json()["status"] == "closed"


def test_other_schools_and_other_districts_get_404(people, tree, setup):
    campaign, request = setup
    selfcheck = signed_selfcheck(people, tree, request, failed_item=items(campaign)[0])
    finding = selfcheck.findings.get()
    for who in ("other_school_staff", "outsider", "other_district_inspector"):
        client = api(getattr(people, who))
        assert client.get(f"/api/v1/selfchecks/{selfcheck.pk}/").status_code == 404
        assert client.post(f"/api/v1/selfcheck-findings/{finding.pk}/plan/", {"plan": "x", "plan_due": "2026-12-30"},
                           format="json").status_code == 404
        assert selfcheck.pk not in [r["id"] for r in client.get("/api/v1/selfchecks/").json()["results"]]
    listed = api(people.district_inspector).get("/api/v1/selfchecks/").json()
    assert [r["id"] for r in listed["results"]] == [selfcheck.pk] and listed["next"] is None
    assert api(people.other_school_staff).get(f"/api/v1/selfcheck-requests/{request.pk}/").status_code == 404
    seen = api(people.district_inspector).get(f"/api/v1/selfchecks/{selfcheck.pk}/")
    assert seen.status_code == 200 and seen.json()["actions"] == []
    assert api(people.district_inspector).post(f"/api/v1/selfcheck-findings/{finding.pk}/plan/", {
        "plan": "x", "plan_due": "2026-12-30"}, format="json").status_code == 403


def test_the_agreement_endpoint_counts_the_missed_problem_for_the_district_only(people, tree, setup):
    campaign, request = setup
    first, second = items(campaign)[:2]
    signed_selfcheck(people, tree, request, failed_item=first)
    visit = visit_plan(school=tree.school_a, planned_date=timezone.localdate(), lead=people.district_inspector,
                       members=[people.city_inspector], planned_by=people.district_inspector, campaign=campaign)
    visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    finding_record(visit=visit, user=people.district_inspector, item=second, description="未自查出的问题")
    today = timezone.localdate().isoformat()
    query = f"?organization={tree.district_a.pk}&period_start={today}&period_end={today}"
    answer = api(people.district_leader).get("/api/v1/selfchecks/agreement/" + query)
    assert answer.status_code == 200 and answer.json()["total"]["missed"] == 1
    assert api(people.other_district_leader).get("/api/v1/selfchecks/agreement/" + query).status_code == 404
    assert api(people.district_leader).get(
        f"/api/v1/selfchecks/agreement/?organization={tree.district_a.pk}&period_start=x").status_code == 400
    page = _login(people.district_inspector).get(f"/visits/{visit.pk}/").content.decode()
    assert 'data-self-reported="' in page and f'data-self-item="{first.code}"' in page


def test_the_pages_by_persona(people, tree, setup):
    campaign, request = setup
    staff = _login(people.school_staff)
    listing = staff.get("/selfchecks/").content.decode()
    assert f'data-request="{request.pk}"' in listing
    started = staff.post(f"/selfchecks/requests/{request.pk}/start/")
    pk = int(started["Location"].rstrip("/").split("/")[-1])
    first = items(campaign)[0]
    staff.post(f"/selfchecks/{pk}/results/", {f"result-{first.pk}": "fail"})
    staff.post(f"/selfchecks/{pk}/findings/", {"item": first.pk, "description": "安全标识缺失"})
    staff.post(f"/selfchecks/{pk}/submit/", {"summary": "完成"})
    assert 'name="decision"' not in staff.get(f"/selfchecks/{pk}/").content.decode()
    leader = _login(people.school_leader)
    assert 'name="decision"' in leader.get(f"/selfchecks/{pk}/").content.decode()
    leader.post(f"/selfchecks/{pk}/sign/", {"decision": "yes"})
    assert 'data-status="signed"' in _login(people.district_inspector).get(f"/selfchecks/{pk}/").content.decode()
    assert _login(people.other_school_staff).get(f"/selfchecks/{pk}/").status_code == 404
    assert _login(people.school_staff).get(f"/selfchecks/requests/{request.pk}/").status_code == 404
    board = _login(people.district_leader).get(f"/selfchecks/requests/{request.pk}/").content.decode()
    assert f'data-school="{tree.school_a.pk}"' in board and f'data-school="{tree.school_b.pk}"' not in board
    table = _login(people.district_leader).get(f"/selfchecks/agreement/?organization={tree.district_a.pk}")
    assert table.status_code == 200 and f'data-org="{tree.school_a.pk}"' in table.content.decode()


def _login(user):
    client = Client()
    client.force_login(user)
    return client
