"""The screens' remaining actions over the API: visit planning, the clue's steps, campaigns and draws,
statistics. Same rules as the pages (the services decide), same 400/403/404/409, idempotent creates."""
import datetime as dt
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from inspections.checklists.services import checklist_load_standard
from inspections.models import Clue, Draw, Visit

from .clue_helpers import NAME, hotline_clue
from .draw_helpers import city_inspectors, random_campaign
from .orders_helpers import issue

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def plan_body(people, tree, **extra):
    return {"school": tree.school_a.pk, "planned_date": timezone.localdate().isoformat(),
            "lead": people.district_inspector.pk, "members": [people.city_inspector.pk], "kind": "routine", **extra}


# ---------------------------------------------------------------- visit planning


def test_an_inspector_plans_a_visit_once_per_client_uuid(people, tree):
    checklist_load_standard()
    body = plan_body(people, tree, client_uuid=str(uuid.uuid4()))
    first = api(people.district_inspector).post("/api/v1/visits/", body, format="json")
    assert first.status_code == 201, first.content
    again = api(people.district_inspector).post("/api/v1/visits/", body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    visit = Visit.objects.get()
    assert [(m.user, m.is_lead) for m in visit.members.order_by("-is_lead")] == [
        (people.district_inspector, True), (people.city_inspector, False)]


def test_planning_is_refused_to_the_school_and_bad_choices_are_field_errors(people, tree):
    checklist_load_standard()
    assert api(people.school_leader).post("/api/v1/visits/", plan_body(people, tree), format="json").status_code == 403
    other = api(people.other_district_inspector).post("/api/v1/visits/", plan_body(
        people, tree, lead=people.other_district_inspector.pk, members=[]), format="json")
    assert other.status_code == 400 and "school" in other.json()  # not a school they may plan for
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    late = api(people.district_inspector).post("/api/v1/visits/", plan_body(people, tree, planned_date=past),
                                               format="json")
    assert late.status_code == 400 and "planned_date" in late.json()
    outsider_lead = api(people.district_inspector).post("/api/v1/visits/", plan_body(
        people, tree, lead=people.other_district_inspector.pk), format="json")
    assert outsider_lead.status_code == 400 and "lead" in outsider_lead.json()
    assert not Visit.objects.exists()


def test_team_candidates_are_the_schools_inspectors_and_another_districts_school_is_404(people, tree):
    rows = api(people.district_inspector).get(f"/api/v1/visits/team-candidates/?school={tree.school_a.pk}").json()
    ids = {r["id"] for r in rows["results"]}
    assert {people.district_inspector.pk, people.city_inspector.pk} <= ids
    assert people.other_district_inspector.pk not in ids and rows["next"] is None
    assert api(people.district_inspector).get(
        f"/api/v1/visits/team-candidates/?school={tree.school_b.pk}").status_code == 404
    assert api(people.district_inspector).get("/api/v1/visits/team-candidates/?school=x").status_code == 400


# ---------------------------------------------------------------- clue steps


def test_staff_register_a_clue_once_per_ticket_and_a_school_cannot(people, tree):
    body = {"source": "hotline", "external_ref": "GD-9", "content": "乱收费", "school": tree.school_a.pk,
            "complainant_name": NAME}
    first = api(people.district_inspector).post("/api/v1/clues/register/", body, format="json")
    assert first.status_code == 201 and first.json()["complainant_name"] == NAME
    assert api(people.district_inspector).post("/api/v1/clues/register/", body, format="json").json()["id"] == \
        first.json()["id"]
    # the same ticket number from someone else is the duplicate refusal, not the other person's clue
    assert api(people.district_leader).post("/api/v1/clues/register/", body, format="json").status_code == 409
    assert api(people.school_leader).post("/api/v1/clues/register/", {**body, "external_ref": "GD-10"},
                                          format="json").status_code == 403
    assert Clue.objects.count() == 1


def test_clue_steps_keep_the_rules_of_the_page(people, tree):
    checklist_load_standard()
    clue = hotline_clue(people, tree, registered_by=people.district_leader)
    url = f"/api/v1/clues/{clue.pk}"
    assert api(people.school_leader).post(f"{url}/triage/", {"decision": "desk_check"}).status_code == 404
    assert api(people.other_district_leader).post(f"{url}/triage/", {"decision": "desk_check"}).status_code == 404
    assert api(people.district_inspector).post(f"{url}/triage/", {"decision": "desk_check"}).status_code == 403
    no_reason = api(people.district_leader).post(f"{url}/triage/", {"decision": "out_of_scope"})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    assert api(people.district_leader).post(f"{url}/reply/", {"text": "x", "method": "phone"}).status_code == 409
    assert api(people.district_leader).post(f"{url}/triage/", {"decision": "surprise_visit"}).status_code == 200
    desk = api(people.district_inspector).post(f"{url}/verify-desk/", {"result": "查实", "substantiated": True})
    assert desk.status_code == 409  # triaged to a surprise visit, not a desk check
    planned = api(people.district_inspector).post(f"{url}/verify-visit/", {
        "planned_date": timezone.localdate().isoformat(), "lead": people.district_inspector.pk,
        "members": [people.city_inspector.pk]}, format="json")
    assert planned.status_code == 200 and planned.json()["visit"]
    assert planned.json()["complainant_name"] != NAME  # an inspector who did not register it sees it masked
    early = api(people.district_leader).post(f"{url}/reply/", {"text": "已核实", "method": "phone"})
    assert early.status_code == 409  # the surprise visit has not happened yet
    visit = Visit.objects.get(pk=planned.json()["visit"])
    assert visit.kind == "surprise"
    assert api(people.school_leader).get(f"/api/v1/visits/{visit.pk}/").status_code == 404  # not before check-in


# ---------------------------------------------------------------- campaigns and draws


@pytest.fixture
def campaign(people, tree):
    city_inspectors(tree)
    return random_campaign(people, tree)


def test_a_leader_creates_a_campaign_and_an_inspector_cannot(people, tree):
    checklist_load_standard()
    body = {"title": "春季双随机", "organiser": tree.district_a.pk, "period_start": "2026-12-04",
            "period_end": "2026-12-31"}
    made = api(people.district_leader).post("/api/v1/campaigns/", body, format="json")
    assert made.status_code == 201 and made.json()["kind"] == "random"
    assert api(people.district_inspector).post("/api/v1/campaigns/", body, format="json").status_code == 400
    backwards = api(people.district_leader).post("/api/v1/campaigns/", {**body, "period_end": "2026-12-01"},
                                                 format="json")
    assert backwards.status_code == 400 and "period_end" in backwards.json()
    assert [c["id"] for c in api(people.district_leader).get("/api/v1/campaigns/").json()["results"]] == [
        made.json()["id"]]
    assert api(people.other_district_leader).get(f"/api/v1/campaigns/{made.json()['id']}/").status_code == 404


def test_the_organisers_leader_draws_publishes_and_redraws(people, tree, campaign):
    url = f"/api/v1/campaigns/{campaign.pk}"
    assert api(people.district_leader).post(f"{url}/draws/", {"n": 2}, format="json").status_code == 404
    # district A's two schools: a redraw (a fresh seed) draws from the same pool, so it cannot land on a school
    # that no inspector may visit after the conflict rules (the city's own school for city inspectors)
    drawn = api(people.city_leader).post(f"{url}/draws/", {"n": 2, "seed": "api", "under": tree.district_a.pk},
                                         format="json")
    assert drawn.status_code == 201, drawn.content
    record = drawn.json()
    assert record["status"] == "draft" and record["reproduces"] and len(record["assignments"]) == 2
    assert all(len(a["team"]) >= 2 and a["lead"] in a["team"] for a in record["assignments"])
    assert api(people.city_leader).post(f"/api/v1/draws/{record['id']}/redraw/", {}).status_code == 400  # no reason
    redrawn = api(people.city_leader).post(f"/api/v1/draws/{record['id']}/redraw/", {"reason": "回避"})
    assert redrawn.status_code == 201 and redrawn.json()["supersedes"] == record["id"]
    assert api(people.city_leader).post(f"{url}/results/publish/").status_code == 400  # no draw published yet
    new_id = redrawn.json()["id"]
    published = api(people.city_leader).post(f"/api/v1/draws/{new_id}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert Visit.objects.filter(campaign=campaign).count() == 2
    assert api(people.city_leader).post(f"/api/v1/draws/{new_id}/publish/").status_code == 400
    detail = api(people.city_leader).get(f"{url}/").json()
    assert detail["current_draw"] == new_id and len(detail["draws"]) == 2
    assert api(people.city_leader).post(f"{url}/results/publish/").json()["results_published_at"]
    assert api(people.city_inspector).get(f"/api/v1/draws/{record['id']}/").status_code == 404
    assert Draw.objects.count() == 2


# ---------------------------------------------------------------- statistics


def test_statistics_count_only_what_the_caller_sees(people, tree):
    issue(people, tree)
    issue(people, tree, school=tree.school_b, inspector=people.other_district_inspector)
    city = api(people.city_leader).get("/api/v1/stats/").json()
    district = api(people.district_leader).get("/api/v1/stats/").json()
    assert city["orders"]["total"] == 2 and district["orders"]["total"] == 1
    assert district["level"]["id"] == tree.district_a.pk
    assert api(people.district_leader).get(f"/api/v1/stats/?org={tree.district_b.pk}").status_code == 404
    assert api(people.district_leader).get("/api/v1/stats/?start=2026-02-30").status_code == 400
    scores = api(people.school_staff).get(f"/api/v1/stats/schools/{tree.school_a.pk}/").json()
    assert scores["open_orders"] == 1 and len(scores["scores"]) == 8
    assert api(people.school_staff).get(f"/api/v1/stats/schools/{tree.school_b.pk}/").status_code == 404


# ---------------------------------------------------------------- ledger export


def test_the_ledger_export_is_the_askers_alone_and_downloads_when_done(people, tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    issue(people, tree)
    leader = api(people.district_leader)
    job = leader.post("/api/v1/ledger/exports/", {"severity": "general"}, format="json")
    assert job.status_code == 201 and job.json()["status"] == "done" and job.json()["total"] == 1  # small: at once
    detail = leader.get(f"/api/v1/ledger/exports/{job.json()['id']}/").json()
    download = leader.get(detail["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content)[:2] == b"PK"  # an .xlsx
    assert api(people.city_leader).get(f"/api/v1/ledger/exports/{job.json()['id']}/").status_code == 404
    assert api(people.city_leader).get(detail["download_url"]).status_code == 404
    assert leader.post("/api/v1/ledger/exports/", {"severity": "fatal"}, format="json").status_code == 400
