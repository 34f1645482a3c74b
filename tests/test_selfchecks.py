"""School self-inspection (自查) by persona: who fills, who signs, who sees it, the school's own
rectification loop, and the self-report agreement statistic."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from inspections.visits.services import finding_record, visit_check_in, visit_plan
from notifications import events
from notifications.models import Notification
from selfchecks import services
from selfchecks.conflicts import SelfCheckConflict
from selfchecks.flow import SelfCheckFlow
from selfchecks.models import SelfCheck, SelfFinding
from selfchecks.selectors import agreement, get_selfcheck_for_user, missed_by_school, self_reported_for_visit

from .selfcheck_helpers import campaign_with_request, items, signed_selfcheck

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(people, tree):
    return campaign_with_request(people, tree)


def inspector_visit(people, tree, campaign, found_items):
    """The district inspector visits school A after its self-inspection and finds problems on these items."""
    visit = visit_plan(school=tree.school_a, planned_date=timezone.localdate(), lead=people.district_inspector,
                       members=[people.city_inspector], planned_by=people.district_inspector, campaign=campaign)
    visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    for item in found_items:
        finding_record(visit=visit, user=people.district_inspector, item=item, description=f"{item.code} 不符合")
    return visit


def test_a_missed_problem_the_inspector_finds_counts_against_the_school(people, tree, setup):
    campaign, request = setup
    first, second, third = items(campaign)[:3]
    signed_selfcheck(people, tree, request, failed_item=first, passed_items=[second, third])
    inspector_visit(people, tree, campaign, [first, second])  # `second` the school had passed itself
    today = timezone.localdate()
    stats = agreement(organization=tree.district_a, period_start=today, period_end=today)
    assert stats["schools"] == [{"organization": tree.school_a.pk, "self_checked": 1, "inspector_findings": 2,
                                 "self_reported": 1, "missed": 1}]
    assert stats["districts"][0]["organization"] == tree.district_a.pk and stats["districts"][0]["missed"] == 1
    assert agreement(organization=tree.district_b, period_start=today, period_end=today)["total"]["missed"] == 0
    assert agreement(organization=tree.city, period_start=today - dt.timedelta(days=30),
                     period_end=today - dt.timedelta(days=1))["total"]["inspector_findings"] == 0
    assert missed_by_school([tree.school_a.pk, tree.school_b.pk], timezone.now()) == {
        tree.school_a.pk: 1, tree.school_b.pk: 0}


def test_findings_made_before_the_school_signed_do_not_count(people, tree, setup):
    campaign, request = setup
    first, second = items(campaign)[:2]
    inspector_visit(people, tree, campaign, [second])
    signed_selfcheck(people, tree, request, failed_item=first)
    today = timezone.localdate()
    assert agreement(organization=tree.city, period_start=today, period_end=today)["total"] == {
        "self_checked": 1, "inspector_findings": 0, "self_reported": 0, "missed": 0}


def test_a_signed_report_is_seen_by_the_district_but_not_by_other_schools(people, tree, setup):
    campaign, request = setup
    selfcheck = signed_selfcheck(people, tree, request, failed_item=items(campaign)[0])
    for who in ("district_inspector", "district_leader", "city_leader", "school_staff", "school_leader"):
        assert get_selfcheck_for_user(getattr(people, who), selfcheck.pk) == selfcheck
    for who in ("other_school_staff", "outsider", "other_district_inspector", "city_school_staff"):
        with pytest.raises(Http404):
            get_selfcheck_for_user(getattr(people, who), selfcheck.pk)


def test_a_draft_stays_the_schools_own(people, tree, setup):
    campaign, request = setup
    selfcheck = services.selfcheck_start(request=request, school=tree.school_a, user=people.school_staff)
    assert get_selfcheck_for_user(people.school_leader, selfcheck.pk) == selfcheck
    with pytest.raises(Http404):
        get_selfcheck_for_user(people.district_inspector, selfcheck.pk)


def test_only_the_schools_people_fill_and_only_its_leader_signs(people, tree, setup):
    campaign, request = setup
    with pytest.raises(PermissionDenied):
        services.selfcheck_start(request=request, school=tree.school_a, user=people.district_inspector)
    with pytest.raises(PermissionDenied):
        services.selfcheck_start(request=request, school=tree.school_a, user=people.outsider)
    with pytest.raises(PermissionDenied):  # school B is outside district A's campaign
        services.selfcheck_start(request=request, school=tree.school_b, user=people.other_school_staff)
    selfcheck = services.selfcheck_start(request=request, school=tree.school_a, user=people.school_staff)
    with pytest.raises(PermissionDenied):
        services.result_record(selfcheck=selfcheck, user=people.outsider, item=items(campaign)[0].pk, result="fail")
    services.result_record(selfcheck=selfcheck, user=people.school_staff, item=items(campaign)[0].pk, result="fail")
    services.selfcheck_submit(selfcheck=selfcheck, user=people.school_staff, summary="已自查")
    with pytest.raises(PermissionDenied):
        services.selfcheck_sign(selfcheck=selfcheck, user=people.school_staff, approve=True)
    with pytest.raises(PermissionDenied):
        services.selfcheck_sign(selfcheck=selfcheck, user=people.district_leader, approve=True)
    with pytest.raises(SelfCheckConflict):
        services.result_record(selfcheck=selfcheck, user=people.school_staff, item=items(campaign)[1].pk,
                               result="pass")


def test_the_sign_task_is_in_the_school_leaders_queue_only(people, tree, setup):
    campaign, request = setup
    selfcheck = services.selfcheck_start(request=request, school=tree.school_a, user=people.school_staff)
    services.result_record(selfcheck=selfcheck, user=people.school_staff, item=items(campaign)[0].pk, result="pass")
    services.selfcheck_submit(selfcheck=selfcheck, user=people.school_staff, summary="已自查")

    def queue(user):
        return Task.objects.user_queue(user, flow_class=SelfCheckFlow).filter(
            process__selfcheckprocess__selfcheck=selfcheck, status=STATUS.NEW).count()

    assert queue(people.school_leader) == 1
    assert queue(people.school_staff) == queue(people.district_leader) == queue(people.outsider) == 0


def test_a_returned_report_is_corrected_and_signed_in_a_new_round(people, tree, setup):
    campaign, request = setup
    selfcheck = services.selfcheck_start(request=request, school=tree.school_a, user=people.school_staff)
    services.result_record(selfcheck=selfcheck, user=people.school_staff, item=items(campaign)[0].pk, result="pass")
    services.selfcheck_submit(selfcheck=selfcheck, user=people.school_staff, summary="已自查")
    with pytest.raises(ValidationError) as err:
        services.selfcheck_sign(selfcheck=selfcheck, user=people.school_leader, approve=False)
    assert "comment" in err.value.message_dict
    services.selfcheck_sign(selfcheck=selfcheck, user=people.school_leader, approve=False, comment="漏查实训室")
    assert SelfCheck.objects.get(pk=selfcheck.pk).status == SelfCheck.Status.RETURNED
    with pytest.raises(SelfCheckConflict):
        services.selfcheck_sign(selfcheck=selfcheck, user=people.school_leader, approve=True)
    services.finding_record(selfcheck=selfcheck, user=people.school_staff, item=items(campaign)[1].pk,
                            description="实训室灭火器过期")
    services.selfcheck_submit(selfcheck=selfcheck, user=people.school_staff, summary="已补查实训室")
    signed = services.selfcheck_sign(selfcheck=selfcheck, user=people.school_leader, approve=True)
    assert signed.status == SelfCheck.Status.SIGNED and signed.signed_by == people.school_leader
    assert selfcheck.processes.count() == 2


def test_self_found_problems_get_the_schools_own_plan_and_closure(people, tree, setup):
    campaign, request = setup
    signed_selfcheck(people, tree, request, failed_item=items(campaign)[0])
    problem = SelfFinding.objects.get()
    with pytest.raises(PermissionDenied):
        services.finding_plan(finding=problem, user=people.district_inspector, plan="x",
                              plan_due=timezone.localdate())
    with pytest.raises(SelfCheckConflict):
        services.finding_close(finding=problem, user=people.school_leader, note="已整改")  # no plan yet
    services.finding_plan(finding=problem, user=people.school_staff, plan="张贴安全标识",
                          plan_due=timezone.localdate() + dt.timedelta(days=5))
    with pytest.raises(PermissionDenied):
        services.finding_close(finding=problem, user=people.school_staff, note="已整改")
    closed = services.finding_close(finding=problem, user=people.school_leader, note="标识已张贴")
    assert closed.status == SelfFinding.Status.CLOSED and closed.closed_by == people.school_leader


def test_the_visit_shows_what_the_school_self_reported(people, tree, setup):
    campaign, request = setup
    first = items(campaign)[0]
    signed_selfcheck(people, tree, request, failed_item=first)
    visit = inspector_visit(people, tree, campaign, [])
    shown = self_reported_for_visit(people.district_inspector, visit)
    assert shown["items"] == [first.code] and len(shown["findings"]) == 1
    assert self_reported_for_visit(people.other_district_inspector, visit) is None


def test_a_late_report_is_accepted_and_marked_late(people, tree, setup, monkeypatch):
    campaign, request = setup
    selfcheck = services.selfcheck_start(request=request, school=tree.school_a, user=people.school_staff)
    services.result_record(selfcheck=selfcheck, user=people.school_staff, item=items(campaign)[0].pk, result="pass")
    late_day = request.due_date + dt.timedelta(days=1)
    monkeypatch.setattr(services.timezone, "localdate", lambda *a: late_day)
    assert services.selfcheck_submit(selfcheck=selfcheck, user=people.school_staff, summary="补交").late is True


def test_only_the_organisers_leader_asks_for_self_inspection(people, tree, setup):
    campaign, _request = setup
    with pytest.raises(SelfCheckConflict):
        services.request_create(campaign=campaign, user=people.district_leader,
                                due_date=timezone.localdate() + dt.timedelta(days=3))
    for who in ("other_district_leader", "district_inspector", "school_leader"):
        with pytest.raises(PermissionDenied):
            services.request_create(campaign=campaign, user=getattr(people, who), due_date=timezone.localdate())


def test_the_leader_is_asked_to_sign_once_and_the_ask_is_settled_by_the_signature(people, tree, setup):
    campaign, request = setup
    signed_selfcheck(people, tree, request, failed_item=items(campaign)[0])
    asks = Notification.objects.filter(kind=events.SELFCHECK_TO_SIGN)
    assert [n.recipient for n in asks] == [people.school_leader]
    assert asks.get().done_at is not None and asks.get().link == f"/selfchecks/{asks.get().target_id}/"
