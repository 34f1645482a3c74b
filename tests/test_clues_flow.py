"""The clue flow: register → triage → verify → reply → close, and who may do each step."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from inspections.checklists.services import checklist_load_standard
from inspections.clues.steps import limits_for, stage_due_at
from inspections.clues.services import (
    ClueConflict, clue_close, clue_register, clue_reply, clue_triage, clue_verify_desk, clue_verify_visit,
)
from inspections.models import Clue, ClueSettings
from inspections.visits.services import visit_check_in
from workflows.clue import ClueFlow
from workflows.models import ClueProcess

from .clue_helpers import hotline_clue

pytestmark = pytest.mark.django_db


def test_registering_starts_the_flow_with_a_triage_task_for_the_district(people, tree):
    clue = hotline_clue(people, tree)
    assert clue.district == tree.district_a and clue.status == Clue.Status.REGISTERED
    process = ClueProcess.objects.get(clue=clue)
    task = process.task_set.get(flow_task=ClueFlow.triage)
    assert task.flow_task.can_assign(people.district_leader, task)
    assert not task.flow_task.can_assign(people.other_district_leader, task)
    assert not task.flow_task.can_assign(people.school_leader, task)


def test_hotline_clue_needs_its_work_order_number(people, tree):
    with pytest.raises(ValidationError):
        clue_register(source="hotline", external_ref="", received_at=timezone.now(), content="x",
                      school=tree.school_a, registered_by=people.district_inspector)


def test_mailbox_clues_may_come_without_a_number(people, tree):
    for _ in range(2):
        clue_register(source="mailbox", received_at=timezone.now(), content="来信", school=tree.school_a,
                      registered_by=people.district_inspector)
    assert Clue.objects.filter(source="mailbox", external_ref="").count() == 2


def test_same_number_from_the_same_source_is_refused(people, tree):
    hotline_clue(people, tree)
    with pytest.raises(ClueConflict):
        hotline_clue(people, tree)


@pytest.mark.parametrize("who", ["school_staff", "school_leader", "other_district_inspector"])
def test_wrong_people_cannot_register_a_clue_for_district_a(people, tree, who):
    with pytest.raises(PermissionDenied):
        hotline_clue(people, tree, registered_by=getattr(people, who))


def test_desk_check_path_runs_to_closure(people, tree):
    clue = hotline_clue(people, tree)
    clue = clue_triage(clue=clue, user=people.district_leader, decision="desk_check")
    assert clue.status == Clue.Status.VERIFYING
    clue = clue_verify_desk(clue=clue, user=people.district_inspector, result="经核实情况属实", substantiated=True)
    assert clue.status == Clue.Status.REPLYING
    clue = clue_reply(clue=clue, user=people.district_leader, text="已责令学校整改", method="phone")
    assert clue.status == Clue.Status.REPLIED and clue.reply_date == timezone.localdate()
    clue = clue_close(clue=clue, user=people.district_leader)
    assert clue.status == Clue.Status.CLOSED and clue.closed_at is not None
    assert ClueProcess.objects.get(clue=clue).finished is not None


def test_out_of_scope_needs_a_reason_and_goes_straight_to_reply(people, tree):
    clue = hotline_clue(people, tree)
    with pytest.raises(ValidationError):
        clue_triage(clue=clue, user=people.district_leader, decision="out_of_scope")
    clue = clue_triage(clue=clue, user=people.district_leader, decision="out_of_scope", reason="属人社部门职责")
    assert clue.status == Clue.Status.REPLYING


@pytest.mark.parametrize("who", ["school_leader", "school_staff", "other_district_leader", "district_inspector"])
def test_wrong_people_cannot_triage(people, tree, who):
    clue = hotline_clue(people, tree)
    with pytest.raises(PermissionDenied):
        clue_triage(clue=clue, user=getattr(people, who), decision="desk_check")


@pytest.mark.parametrize("who", ["school_leader", "school_staff", "other_district_inspector", "other_district_leader"])
def test_wrong_people_cannot_verify(people, tree, who):
    clue = clue_triage(clue=hotline_clue(people, tree), user=people.district_leader, decision="desk_check")
    with pytest.raises(PermissionDenied):
        clue_verify_desk(clue=clue, user=getattr(people, who), result="x", substantiated=False)


@pytest.mark.parametrize("who", ["school_leader", "school_staff", "other_district_leader", "district_inspector"])
def test_wrong_people_cannot_reply_or_close(people, tree, who):
    clue = clue_triage(clue=hotline_clue(people, tree), user=people.district_leader, decision="out_of_scope",
                       reason="不属于")
    with pytest.raises(PermissionDenied):
        clue_reply(clue=clue, user=getattr(people, who), text="x", method="phone")
    clue = clue_reply(clue=clue, user=people.district_leader, text="已转交", method="sms")
    with pytest.raises(PermissionDenied):
        clue_close(clue=clue, user=getattr(people, who))


def test_cannot_triage_twice(people, tree):
    clue = clue_triage(clue=hotline_clue(people, tree), user=people.district_leader, decision="desk_check")
    with pytest.raises(ClueConflict):
        clue_triage(clue=clue, user=people.district_leader, decision="desk_check")


def test_clue_path_to_a_surprise_visit(people, tree):
    checklist_load_standard()
    clue = clue_triage(clue=hotline_clue(people, tree), user=people.district_leader, decision="surprise_visit")
    clue = clue_verify_visit(clue=clue, user=people.district_inspector, planned_date=timezone.localdate(),
                             lead=people.district_inspector, members=[people.city_inspector])
    visit = clue.visit
    assert visit.kind == "surprise" and visit.school == tree.school_a and clue.status == Clue.Status.REPLYING
    with pytest.raises(ClueConflict):  # the visit has not happened yet
        clue_reply(clue=clue, user=people.district_leader, text="x", method="phone")
    visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    clue = clue_reply(clue=clue, user=people.district_leader, text="经突击检查属实", method="letter",
                      substantiated=True)
    assert clue.status == Clue.Status.REPLIED


def test_wrong_people_cannot_plan_the_surprise_visit(people, tree):
    checklist_load_standard()
    clue = clue_triage(clue=hotline_clue(people, tree), user=people.district_leader, decision="surprise_visit")
    for who in (people.school_staff, people.other_district_inspector):
        with pytest.raises(PermissionDenied):
            clue_verify_visit(clue=clue, user=who, planned_date=timezone.localdate(),
                              lead=people.district_inspector, members=[people.city_inspector])


def test_time_limits_default_and_per_city(people, tree):
    assert limits_for(tree.district_a) == {"triage_days": 1, "verify_days": 10, "reply_days": 2}
    ClueSettings.objects.create(city=tree.city, triage_days=3, verify_days=15, reply_days=5)
    assert limits_for(tree.district_a)["verify_days"] == 15


def test_triage_timer_is_armed_at_the_working_day_limit(people, tree):
    received = dt.datetime(2026, 9, 30, 10, 0, tzinfo=dt.timezone.utc)  # before the National Day holiday
    clue = clue_register(source="phone", received_at=received, content="电话反映", school=tree.school_a,
                         registered_by=people.district_inspector)
    timer = ClueProcess.objects.get(clue=clue).task_set.get(flow_task=ClueFlow.triage._boundary_events[0])
    assert timer.scheduled == stage_due_at(clue, "triage") + dt.timedelta(seconds=1)
    assert timer.scheduled.date() > dt.date(2026, 10, 7)


def _arm_now(clue, node):
    """Move the clue's scheduled timer of `node` into the past, as if its time limit had passed."""
    from viewflow.workflow.status import STATUS

    process = ClueProcess.objects.get(clue=clue)
    timers = process.task_set.filter(flow_task=node._boundary_events[0], status=STATUS.SCHEDULED)
    timers.update(scheduled=timezone.now() - dt.timedelta(minutes=1))
    return timers


def test_a_late_triage_reminds_the_district_leader_not_the_school(people, tree):
    from viewflow.workflow.timers import fire_due_timers

    from notifications.models import Notification

    clue = hotline_clue(people, tree)
    assert _arm_now(clue, ClueFlow.triage).count() == 1
    assert fire_due_timers() >= 1
    overdue = Notification.objects.filter(kind="clue.overdue")
    assert list(overdue.values_list("recipient", flat=True)) == [people.district_leader.pk]
    clue.refresh_from_db()
    assert clue.status == Clue.Status.REGISTERED  # non-interrupting: the task stays open


def test_finishing_the_step_cancels_its_timer(people, tree):
    from viewflow.workflow.status import STATUS

    clue = hotline_clue(people, tree)
    clue_triage(clue=clue, user=people.district_leader, decision="desk_check")
    process = ClueProcess.objects.get(clue=clue)
    boundary = ClueFlow.triage._boundary_events[0]
    assert not process.task_set.filter(flow_task=boundary, status=STATUS.SCHEDULED).exists()
    assert process.task_set.filter(flow_task=ClueFlow.verify_desk._boundary_events[0],
                                   status=STATUS.SCHEDULED).exists()
