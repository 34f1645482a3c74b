"""Wrong-person tests for every step of a visit."""
import pytest
from django.core.exceptions import PermissionDenied

from inspections.models import Finding, Visit, VisitItemResult
from inspections.visits.services import (
    finding_record, item_result_record, visit_check_in, visit_review, visit_sign, visit_submit,
)

from .visits_helpers import conduct, items_of, plan, signature_url

OUTSIDERS = ["other_district_inspector", "school_staff", "school_leader", "district_leader", "outsider"]


@pytest.mark.parametrize("who", OUTSIDERS + ["city_admin"])
def test_only_the_team_may_check_in(people, tree, who):
    visit = plan(people, tree, members=[])
    with pytest.raises(PermissionDenied):
        visit_check_in(visit=visit, user=getattr(people, who), geo_status="denied")
    assert Visit.objects.get().checkin_at is None


def test_non_team_inspector_of_the_same_district_may_not_record_results(people, tree):
    visit = plan(people, tree, lead=people.city_inspector, members=[])
    visit_check_in(visit=visit, user=people.city_inspector, geo_status="denied")
    with pytest.raises(PermissionDenied):
        item_result_record(visit=visit, user=people.district_inspector, item=items_of(visit)[0], result="pass")
    assert not VisitItemResult.objects.exists()


@pytest.mark.parametrize("who", OUTSIDERS)
def test_school_users_and_other_inspectors_may_not_record_results_or_findings(people, tree, who):
    visit = plan(people, tree)
    visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    with pytest.raises(PermissionDenied):
        item_result_record(visit=visit, user=getattr(people, who), item=items_of(visit)[0], result="pass")
    with pytest.raises(PermissionDenied):
        finding_record(visit=visit, user=getattr(people, who), description="x")
    assert not VisitItemResult.objects.exists() and not Finding.objects.exists()


@pytest.mark.parametrize("who", OUTSIDERS)
def test_only_the_team_may_take_the_school_signature(people, tree, who):
    visit = plan(people, tree)
    conduct(visit, people.district_inspector, fail_codes=())
    with pytest.raises(PermissionDenied):
        visit_sign(visit=visit, user=getattr(people, who), representative_name="X", signature_data_url=signature_url())
    assert Visit.objects.get().status == Visit.Status.IN_PROGRESS


@pytest.mark.parametrize("who", OUTSIDERS + ["city_inspector"])
def test_only_the_lead_inspector_may_submit(people, tree, who):
    """city_inspector is on the team but not its lead; school staff must never submit."""
    visit = plan(people, tree)
    conduct(visit, people.district_inspector, fail_codes=())
    visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长", signature_data_url=signature_url())
    with pytest.raises(PermissionDenied):
        visit_submit(visit=visit, user=getattr(people, who))
    assert Visit.objects.get().status == Visit.Status.SIGNED


@pytest.mark.parametrize("who", ["other_district_leader", "district_inspector", "school_leader", "city_inspector"])
def test_only_a_leader_of_the_organiser_may_review(people, tree, who):
    visit = plan(people, tree)
    conduct(visit, people.district_inspector, fail_codes=())
    visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长", signature_data_url=signature_url())
    visit_submit(visit=visit, user=people.district_inspector)
    with pytest.raises(PermissionDenied):
        visit_review(visit=visit, user=getattr(people, who), approve=True)
    assert Visit.objects.get().status == Visit.Status.SUBMITTED


def test_city_leader_may_review_a_district_visit(people, tree):
    visit = plan(people, tree)
    conduct(visit, people.district_inspector, fail_codes=())
    visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长", signature_data_url=signature_url())
    visit_submit(visit=visit, user=people.district_inspector)
    assert visit_review(visit=visit, user=people.city_leader, approve=True).status == Visit.Status.APPROVED


def test_viewflow_task_queue_offers_review_only_to_organiser_leaders(people, tree):
    from viewflow.workflow import STATUS

    from workflows.models import VisitProcess
    from workflows.visit import VisitFlow

    visit = plan(people, tree)
    conduct(visit, people.district_inspector, fail_codes=())
    visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长", signature_data_url=signature_url())
    visit_submit(visit=visit, user=people.district_inspector)
    task = VisitProcess.objects.get(visit=visit).task_set.get(flow_task=VisitFlow.review, status=STATUS.NEW)
    assert VisitFlow.review.can_assign(people.district_leader, task)
    assert not VisitFlow.review.can_assign(people.other_district_leader, task)
    assert not VisitFlow.review.can_assign(people.school_leader, task)
