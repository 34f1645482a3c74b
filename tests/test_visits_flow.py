"""The visit as personas through the services and the viewflow process."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from viewflow.workflow import STATUS

from inspections import thresholds
from inspections.models import AuditEvent, Finding, RectificationOrder, Visit, VisitItemResult
from inspections.conflicts import VisitConflict
from inspections.visits.services import (
    finding_record, item_result_record, visit_check_in, visit_review, visit_sign, visit_submit,
)
from workflows.models import VisitProcess

from .visits_helpers import conduct, items_of, plan, signature_url


def _open_nodes(visit):
    process = VisitProcess.objects.get(visit=visit)
    return sorted(t.flow_task.name for t in process.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]))


def test_whole_visit_with_return_ends_in_orders_covering_every_finding_once(people, tree):
    visit = plan(people, tree)
    assert _open_nodes(visit) == ["conduct"]
    findings = conduct(visit, people.district_inspector, fail_codes=("A1", "B2", "C1"))
    extra = finding_record(visit=visit, user=people.city_inspector, description="消防通道堵塞", severity="major")
    advisory = finding_record(visit=visit, user=people.city_inspector, description="建议完善制度",
                              needs_rectification=False)
    visit_sign(visit=visit, user=people.city_inspector, representative_name="郑校长", signature_data_url=signature_url())
    assert _open_nodes(visit) == ["submit"]
    visit_submit(visit=visit, user=people.district_inspector, summary="总体较好")
    assert _open_nodes(visit) == ["review"]

    visit = visit_review(visit=visit, user=people.district_leader, approve=False, reason="问题描述不够具体")
    assert visit.status == Visit.Status.RETURNED and visit.review_note == "问题描述不够具体"
    assert _open_nodes(visit) == ["submit"]
    assert not RectificationOrder.objects.exists()

    visit_submit(visit=visit, user=people.district_inspector)
    visit = visit_review(visit=visit, user=people.district_leader, approve=True)
    assert visit.status == Visit.Status.APPROVED
    assert _open_nodes(visit) == []
    orders = list(RectificationOrder.objects.filter(visit=visit))
    assert {o.school for o in orders} == {tree.school_a} and len(orders) == len(RectificationOrder.objects.all())
    issued = [f for o in orders for f in o.findings.all()]
    assert sorted(f.pk for f in issued) == sorted(f.pk for f in (*findings, extra))  # each finding in one order
    assert len(orders) == len({thresholds.finding_deadline_days(f) for f in issued})  # one order per deadline
    assert Finding.objects.get(pk=advisory.pk).order is None
    assert VisitProcess.objects.get(visit=visit).status == "DONE"
    assert AuditEvent.objects.filter(visit=visit, action="visit.return").count() == 1


def test_visit_without_findings_needing_rectification_issues_no_order(people, tree):
    visit = plan(people, tree)
    conduct(visit, people.district_inspector, fail_codes=())
    visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长", signature_data_url=signature_url())
    visit_submit(visit=visit, user=people.district_inspector)
    visit_review(visit=visit, user=people.district_leader, approve=True)
    assert not RectificationOrder.objects.exists()


def test_check_in_twice_is_a_conflict_and_keeps_the_first_time(people, tree):
    visit = plan(people, tree)
    visit = visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    first = visit.checkin_at
    with pytest.raises(VisitConflict):
        visit_check_in(visit=visit, user=people.district_inspector, geo_status="ok", latitude=1, longitude=1)
    visit.refresh_from_db()
    assert visit.checkin_at == first and visit.checkin_geo_status == "denied" and visit.checkin_latitude is None


@pytest.mark.parametrize("lat,lon", [(91, 10), (-90.5, 10), (10, 181), (10, -180.01), ("abc", 1), (None, 1)])
def test_check_in_with_coordinates_out_of_range_is_refused(people, tree, lat, lon):
    visit = plan(people, tree)
    with pytest.raises(ValidationError):
        visit_check_in(visit=visit, user=people.district_inspector, geo_status="ok", latitude=lat, longitude=lon)
    visit.refresh_from_db()
    assert visit.status == Visit.Status.PLANNED and visit.checkin_at is None


def test_check_in_records_denied_geolocation_without_coordinates(people, tree):
    visit = plan(people, tree)
    visit = visit_check_in(visit=visit, user=people.district_inspector, geo_status="unavailable",
                           latitude=36, longitude=116)
    assert visit.checkin_geo_status == "unavailable" and visit.checkin_latitude is None


def test_result_for_item_not_in_the_visits_template_is_refused(people, tree):
    from inspections.models import ChecklistTemplate
    from inspections.checklists.admin import checklist_copy

    visit = plan(people, tree)
    visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    other = checklist_copy(template=ChecklistTemplate.objects.get(), user=people.city_admin, code="OTHER")
    foreign = other.sections.first().items.first()
    with pytest.raises(ValidationError):
        item_result_record(visit=visit, user=people.district_inspector, item=foreign, result="pass")
    assert not VisitItemResult.objects.exists()


def test_result_is_saved_as_given_and_last_answer_wins(people, tree):
    visit = plan(people, tree)
    visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    item = items_of(visit)[0]
    item_result_record(visit=visit, user=people.district_inspector, item=item, result="fail", note="简章未备案")
    item_result_record(visit=visit, user=people.city_inspector, item=item, result="na", note="本年未招生")
    row = VisitItemResult.objects.get()
    assert (row.result, row.note, row.recorded_by) == ("na", "本年未招生", people.city_inspector)


def test_results_before_check_in_are_a_conflict(people, tree):
    visit = plan(people, tree)
    with pytest.raises(VisitConflict):
        item_result_record(visit=visit, user=people.district_inspector, item=items_of(visit)[0], result="pass")


def test_finding_is_prefilled_from_the_item_and_replay_returns_the_same_row(people, tree):
    import uuid

    visit = plan(people, tree)
    visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    item = next(i for i in items_of(visit) if i.severity == "major")
    key = uuid.uuid4()
    first = finding_record(visit=visit, user=people.district_inspector, item=item, description="虚假学籍",
                           client_uuid=key)
    again = finding_record(visit=visit, user=people.district_inspector, item=item, description="虚假学籍",
                           client_uuid=key)
    assert first.pk == again.pk and Finding.objects.count() == 1
    assert first.severity == "major" and first.hazard == item.hazard


def test_finding_on_an_approved_visit_is_a_conflict(people, tree):
    visit = plan(people, tree)
    conduct(visit, people.district_inspector, fail_codes=())
    visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长", signature_data_url=signature_url())
    visit_submit(visit=visit, user=people.district_inspector)
    visit_review(visit=visit, user=people.district_leader, approve=True)
    with pytest.raises(VisitConflict):
        finding_record(visit=visit, user=people.district_inspector, description="补记")
    assert not Finding.objects.exists()


def test_signing_needs_every_item_answered_and_each_failure_recorded(people, tree):
    visit = plan(people, tree)
    visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    items = items_of(visit)
    for item in items:
        item_result_record(visit=visit, user=people.district_inspector, item=item,
                           result="fail" if item == items[0] else "pass")
    with pytest.raises(ValidationError) as err:
        visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长",
                   signature_data_url=signature_url())
    assert "findings" in err.value.message_dict
    visit.refresh_from_db()
    assert visit.status == Visit.Status.IN_PROGRESS and not visit.representative_signature


@pytest.mark.parametrize("bad", [
    "data:image/jpeg;base64,/9j/4AAQ", "data:image/png;base64,not-base64!!", "data:image/png;base64,aGVsbG8=",
    "javascript:alert(1)", "", "BLANK",
])
def test_signature_that_is_not_a_drawn_png_is_refused(people, tree, bad):
    visit = plan(people, tree)
    conduct(visit, people.district_inspector, fail_codes=())
    bad = signature_url(drawn=False) if bad == "BLANK" else bad
    with pytest.raises(ValidationError) as err:
        visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长", signature_data_url=bad)
    assert "signature" in err.value.message_dict
    visit.refresh_from_db()
    assert visit.status == Visit.Status.IN_PROGRESS and visit.signed_at is None


def test_return_without_reason_is_refused(people, tree):
    visit = plan(people, tree)
    conduct(visit, people.district_inspector, fail_codes=())
    visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长", signature_data_url=signature_url())
    visit_submit(visit=visit, user=people.district_inspector)
    with pytest.raises(ValidationError):
        visit_review(visit=visit, user=people.district_leader, approve=False, reason="  ")
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SUBMITTED


def test_submitting_twice_is_a_conflict(people, tree):
    visit = plan(people, tree)
    conduct(visit, people.district_inspector, fail_codes=())
    visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长", signature_data_url=signature_url())
    visit_submit(visit=visit, user=people.district_inspector)
    with pytest.raises(VisitConflict):
        visit_submit(visit=visit, user=people.district_inspector)


def test_plan_needs_inspectors_who_may_inspect_the_school(people, tree):
    from inspections.checklists.services import checklist_load_standard
    from inspections.visits.services import visit_plan
    from django.utils import timezone

    checklist_load_standard()
    with pytest.raises(ValidationError):
        visit_plan(school=tree.school_a, planned_date=timezone.localdate(), lead=people.district_inspector,
                   members=[people.other_district_inspector], planned_by=people.district_inspector)
    with pytest.raises(PermissionDenied):
        visit_plan(school=tree.school_a, planned_date=timezone.localdate(), lead=people.other_district_inspector,
                   planned_by=people.other_district_inspector)
    assert not Visit.objects.exists()


def test_city_inspector_plans_with_the_city_as_organiser(people, tree):
    visit = plan(people, tree, lead=people.city_inspector, members=[people.district_inspector])
    assert visit.organiser == tree.city
    assert visit.members.get(is_lead=True).user == people.city_inspector
