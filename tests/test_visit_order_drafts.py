"""Issuing is a real step: the reviewing leader drafts the orders per finding (requirement, deadline in working days,
alone or together); findings with the same deadline go out together, so a paperwork finding is not held to a
hazard's two working days (inspections.thresholds.order_groups)."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from inspections import thresholds
from inspections.models import RectificationOrder
from inspections.visits.services import finding_record, visit_review, visit_sign, visit_submit
from workflows.calendar import working_days_between

from .visits_helpers import conduct, plan, signature_url


def _submitted(people, tree, findings=(("台账不全", "general", False), ("消防通道堵塞", "serious", True))):
    visit = plan(people, tree)
    conduct(visit, people.district_inspector, fail_codes=())
    made = [finding_record(visit=visit, user=people.district_inspector, description=text, severity=severity,
                           hazard=hazard) for text, severity, hazard in findings]
    visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长",
               signature_data_url=signature_url())
    visit_submit(visit=visit, user=people.district_inspector, summary="总体较好")
    return visit, made


def _days(order) -> int:
    return working_days_between(order.issued_at, order.deadline.due_at)


def test_paperwork_finding_is_not_held_to_the_hazards_two_working_days(people, tree):
    visit, (paperwork, hazard) = _submitted(people, tree)
    visit_review(visit=visit, user=people.district_leader, approve=True)
    orders = {o.findings.get().pk: o for o in RectificationOrder.objects.filter(visit=visit)}
    assert set(orders) == {paperwork.pk, hazard.pk}
    assert _days(orders[hazard.pk]) == thresholds.DEADLINE_WORKING_DAYS[thresholds.HAZARD]
    assert _days(orders[paperwork.pk]) == thresholds.DEADLINE_WORKING_DAYS["general"]


def test_leader_sets_each_findings_requirement_and_deadline_when_approving(people, tree):
    visit, (paperwork, hazard) = _submitted(people, tree)
    visit_review(visit=visit, user=people.district_leader, approve=True, plans=[
        {"finding": paperwork.pk, "requirement": "补齐近三年实训台账", "working_days": 15},
        {"finding": hazard.pk, "requirement": "立即清理通道，设置警示标识", "working_days": 3}])
    by_finding = {o.findings.get().pk: o for o in RectificationOrder.objects.filter(visit=visit)}
    assert by_finding[paperwork.pk].requirements == "补齐近三年实训台账" and _days(by_finding[paperwork.pk]) == 15
    assert by_finding[hazard.pk].requirements == "立即清理通道，设置警示标识" and _days(by_finding[hazard.pk]) == 3


def test_findings_given_the_same_deadline_go_out_as_one_order_unless_one_is_marked_alone(people, tree):
    three = (("台账不全", "general", False), ("制度未上墙", "general", False), ("实训室无应急预案", "general", False))
    visit, (a, b, c) = _submitted(people, tree, findings=three)
    visit_review(visit=visit, user=people.district_leader, approve=True, plans=[
        {"finding": c.pk, "requirement": "一周内制定预案", "working_days": 20, "own_order": True}])
    groups = sorted(sorted(o.findings.values_list("pk", flat=True)) for o in RectificationOrder.objects.filter(visit=visit))
    assert groups == sorted([sorted([a.pk, b.pk]), [c.pk]])
    together = RectificationOrder.objects.get(findings=a)
    assert together.requirements == "总体较好"  # nobody wrote a requirement for these two: the visit's opinion


def test_a_deadline_outside_the_allowed_range_is_refused_and_nothing_is_issued(people, tree):
    visit, (paperwork, _) = _submitted(people, tree)
    for bad in (0, thresholds.MAX_FINDING_WORKING_DAYS + 1, "两周"):
        with pytest.raises(ValidationError):
            visit_review(visit=visit, user=people.district_leader, approve=True,
                         plans=[{"finding": paperwork.pk, "working_days": bad}])
    assert not RectificationOrder.objects.filter(visit=visit).exists()
    paperwork.refresh_from_db()
    assert paperwork.working_days is None  # the refused plan left nothing behind


def test_a_plan_for_another_visits_finding_is_refused(people, tree):
    visit, _ = _submitted(people, tree)
    other = plan(people, tree)
    conduct(other, people.district_inspector, fail_codes=())
    stranger = finding_record(visit=other, user=people.district_inspector, description="别的检查")
    with pytest.raises(ValidationError):
        visit_review(visit=visit, user=people.district_leader, approve=True,
                     plans=[{"finding": stranger.pk, "working_days": 5}])


def test_the_inspector_cannot_approve_their_own_record_with_a_draft(people, tree):
    visit, (paperwork, _) = _submitted(people, tree)
    with pytest.raises((PermissionDenied, ValidationError)):
        visit_review(visit=visit, user=people.district_inspector, approve=True,
                     plans=[{"finding": paperwork.pk, "working_days": 40}])
    paperwork.refresh_from_db()
    assert paperwork.working_days is None


def _leader_client(people, lang="zh-hans"):
    client = Client()
    client.force_login(people.district_leader)
    client.cookies["django_language"] = lang
    return client


def test_review_page_shows_each_findings_default_deadline_and_the_orders_it_would_make(people, tree):
    visit, (paperwork, hazard) = _submitted(people, tree)
    page = _leader_client(people).get(f"/visits/{visit.pk}/review/").content.decode()
    assert f'name="days_{paperwork.pk}"' in page and f'name="days_{hazard.pk}"' in page
    assert f'value="{thresholds.DEADLINE_WORKING_DAYS["general"]}"' in page
    assert "将下发 2 份整改通知书" in page
    english = _leader_client(people, "en").get(f"/visits/{visit.pk}/review/").content.decode()
    assert "Draft orders" in english and "整改通知书草稿" not in english


def test_a_refused_draft_is_shown_again_with_everything_typed(people, tree):
    visit, (paperwork, hazard) = _submitted(people, tree)
    response = _leader_client(people).post(f"/visits/{visit.pk}/review/", {
        "decision": "approve", f"req_{paperwork.pk}": "补齐台账", f"days_{paperwork.pk}": "0",
        f"req_{hazard.pk}": "清理通道", f"days_{hazard.pk}": "2"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "补齐台账" in page and "清理通道" in page and "1 至" in page
    assert not RectificationOrder.objects.filter(visit=visit).exists()


def test_approving_from_the_page_issues_the_drafted_orders_and_links_them(people, tree):
    visit, (paperwork, hazard) = _submitted(people, tree)
    client = _leader_client(people)
    response = client.post(f"/visits/{visit.pk}/review/", {
        "decision": "approve", f"req_{paperwork.pk}": "补齐台账", f"days_{paperwork.pk}": "10",
        f"req_{hazard.pk}": "清理通道", f"days_{hazard.pk}": "10"}, follow=True)
    order = RectificationOrder.objects.get(visit=visit)  # the same deadline: one order
    assert set(order.findings.all()) == {paperwork, hazard} and _days(order) == 10
    assert "补齐台账" in order.requirements and "清理通道" in order.requirements
    assert order.number in response.content.decode()
