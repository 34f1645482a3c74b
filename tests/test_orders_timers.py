"""Deadlines in working days and the flow's timers fired by run_timers."""
import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

import inspections.orders.services as orders
from inspections.models import AuditEvent
from inspections.orders.services import extension_decide, extension_request, order_sign, report_approve, report_submit
from notifications.models import Notification
from workflows.calendar import SHANGHAI
from workflows.management.commands.run_timers import sweep
from workflows.rectification import RectificationFlow

from .orders_helpers import actions, issue, queue_names


@pytest.fixture
def clock(monkeypatch):
    """Moves 'now' for the services and viewflow's dispatcher alike."""
    def set_to(day: dt.date, hour: int = 10):
        moment = dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment
    return set_to


def overdue_timer_times(order):
    return sorted(t.scheduled for t in Task.objects.filter(
        process_id=order.process.pk, flow_task_type="TIMER", status=STATUS.SCHEDULED)
        if t.flow_task.name.endswith("__timeout_3") or t.flow_task.name == "sign__timeout_2")


def test_deadline_counts_working_days_across_the_national_day_holiday(people, tree, clock):
    clock(dt.date(2025, 9, 29))  # Monday; 1–8 October 2025 are holidays
    order = issue(people, tree, hazard=True)
    assert order.deadline.working_days == 2
    assert order.deadline.due_at == dt.datetime(2025, 10, 9, 23, 59, 59, tzinfo=SHANGHAI)
    clock(dt.date(2025, 10, 3))
    from inspections.orders.selectors import working_days_left
    assert working_days_left(order) == 1


def test_unsigned_after_two_working_days_reminds_once(people, tree, clock):
    clock(dt.date(2025, 9, 22))
    order = issue(people, tree)
    clock(dt.date(2025, 9, 24))
    assert sweep() == (0, 0)
    clock(dt.date(2025, 9, 25))
    fired, _ = sweep()
    assert fired == 1
    assert actions(order).count("order.sign_reminder") == 1
    assert Notification.objects.filter(kind="order.sign_reminder").exists()
    assert sweep() == (0, 0)
    assert queue_names(people.school_leader, order) == {"sign"}  # non-interrupting: still to sign


def test_overdue_escalates_and_a_second_overdue_goes_to_the_city(people, tree, clock):
    clock(dt.date(2025, 9, 22))
    order = issue(people, tree, severity="major")  # 5 working days → 2025-09-26
    order_sign(order=order, user=people.school_leader)
    clock(dt.date(2025, 9, 29))
    sweep()
    order.refresh_from_db()
    assert (order.is_overdue, order.overdue_count, order.escalation_level) == (True, 1, 1)
    told = set(Notification.objects.filter(kind="order.overdue").values_list("recipient__username", flat=True))
    assert {"school_leader", "district_leader"} <= told
    assert "city_leader" not in told
    ext = extension_request(order=order, user=people.school_staff, requested_deadline=dt.date(2025, 10, 10),
                            reason="设备到货延迟")
    extension_decide(extension=ext, user=people.district_leader, approve=True)
    order.refresh_from_db()
    assert order.is_overdue is False
    assert order.deadline.due_at == dt.datetime(2025, 10, 10, 23, 59, 59, tzinfo=SHANGHAI)
    clock(dt.date(2025, 10, 11))
    sweep()
    order.refresh_from_db()
    assert (order.overdue_count, order.escalation_level) == (2, 2)
    assert Notification.objects.filter(kind="order.escalated", recipient=people.city_leader).exists()
    assert actions(order).count("order.overdue") == 2


def test_approved_extension_moves_the_deadline_and_rearms_the_timers(people, tree, clock):
    clock(dt.date(2025, 9, 22))
    order = issue(people, tree, severity="serious")  # 10 working days
    order_sign(order=order, user=people.school_leader)
    old_due = order.deadline.due_at
    assert overdue_timer_times(order) == [old_due + dt.timedelta(seconds=1)]
    ext = extension_request(order=order, user=people.school_staff, requested_deadline=dt.date(2025, 10, 31),
                            reason="需要施工")
    assert [t.kind for t in orders_tasks(people.district_leader)] == ["decide_extension"]
    assert orders_tasks(people.other_district_leader) == []
    extension_decide(extension=ext, user=people.district_leader, approve=True, note="同意")
    order.refresh_from_db()
    new_due = dt.datetime(2025, 10, 31, 23, 59, 59, tzinfo=SHANGHAI)
    assert order.deadline.due_at == new_due
    assert overdue_timer_times(order) == [new_due + dt.timedelta(seconds=1)]
    assert actions(order)[-2:] == ["extension.requested", "extension.approved"]
    clock(dt.date(2025, 10, 9))  # after the old deadline: nothing overdue now
    sweep()
    order.refresh_from_db()
    assert order.is_overdue is False


def test_rejected_extension_keeps_the_deadline(people, tree, clock):
    clock(dt.date(2025, 9, 22))
    order = issue(people, tree, severity="serious")
    due = order.deadline.due_at
    ext = extension_request(order=order, user=people.school_staff, requested_deadline=dt.date(2025, 11, 28),
                            reason="理由")
    with pytest.raises(orders.PermissionDenied):
        extension_decide(extension=ext, user=people.other_district_leader, approve=True)
    extension_decide(extension=ext, user=people.district_leader, approve=False, note="理由不充分")
    order.refresh_from_db()
    assert order.deadline.due_at == due
    assert overdue_timer_times(order) == [due + dt.timedelta(seconds=1)]
    assert actions(order)[-1] == "extension.rejected"
    with pytest.raises(orders.OrderConflict):
        extension_decide(extension=ext, user=people.district_leader, approve=True)


def test_extension_is_requested_by_the_school_only(people, tree, clock):
    clock(dt.date(2025, 9, 22))
    order = issue(people, tree)
    for wrong in (people.outsider, people.district_inspector, people.other_school_staff):
        with pytest.raises(orders.PermissionDenied):
            extension_request(order=order, user=wrong, requested_deadline=dt.date(2025, 12, 1), reason="x")


def test_recheck_sla_reminds_the_inspector(people, tree, clock):
    clock(dt.date(2025, 9, 22))
    order = issue(people, tree)
    order_sign(order=order, user=people.school_leader)
    report_submit(order=order, user=people.school_staff, measures="已整改")
    report_approve(order=order, user=people.school_leader)
    clock(dt.date(2025, 9, 30))
    sweep()
    assert actions(order).count("order.recheck_overdue") == 1
    assert Notification.objects.filter(kind="order.recheck_overdue", recipient=people.district_inspector).exists()


def test_sweep_interrupted_half_way_then_rerun_fires_nothing_twice(people, tree, clock, monkeypatch):
    clock(dt.date(2025, 9, 22))
    first, second = issue(people, tree, severity="major"), issue(people, tree, severity="major")
    clock(dt.date(2025, 9, 29))
    original = Task.activation
    entered = []

    def killed_on_second_timer(self):
        entered.append(self.pk)
        if len(entered) == 2:
            raise KeyboardInterrupt  # the scheduler process stopped between two timers
        return original(self)

    monkeypatch.setattr(Task, "activation", killed_on_second_timer)
    with pytest.raises(KeyboardInterrupt):
        sweep()
    monkeypatch.setattr(Task, "activation", original)
    assert Task.objects.filter(flow_task_type="TIMER", status=STATUS.DONE).count() == 1
    out = StringIO()
    call_command("run_timers", "--once", stdout=out)
    assert "timer(s) fired" in out.getvalue()
    call_command("run_timers", "--once", stdout=StringIO())
    for order in (first, second):
        assert actions(order).count("order.overdue") == 1
        assert actions(order).count("order.sign_reminder") == 1
    overdue_notes = Notification.objects.filter(kind="order.overdue", recipient=people.school_leader)
    assert overdue_notes.count() == 2


def test_audit_events_cannot_be_changed_or_deleted(people, tree):
    order = issue(people, tree)
    event = AuditEvent.objects.filter(order=order).first()
    with pytest.raises(orders.PermissionDenied):
        event.save()
    with pytest.raises(orders.PermissionDenied):
        event.delete()
    with pytest.raises(orders.PermissionDenied):
        AuditEvent.objects.filter(order=order).update(action="x")
    with pytest.raises(orders.PermissionDenied):
        AuditEvent.objects.filter(order=order).delete()


def orders_tasks(user):
    from workflows.tasks import tasks_for

    return tasks_for(user)


def test_admin_offers_no_change_or_delete_of_audit_events(people, tree, client):
    from django.contrib.auth import get_user_model

    order = issue(people, tree)
    event = AuditEvent.objects.filter(order=order).first()
    admin = get_user_model().objects.create_superuser("root", "r@x.cn", "pw-for-tests-1")
    client.force_login(admin)
    assert client.get(f"/admin/inspections/auditevent/{event.pk}/change/").status_code in (200, 403)
    client.post(f"/admin/inspections/auditevent/{event.pk}/change/", {"action": "forged"})
    response = client.post(f"/admin/inspections/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "order.issued"
    assert RectificationFlow.instance is not None


def _overdue_twice(people, tree, clock):
    clock(dt.date(2025, 9, 22))
    order = issue(people, tree, severity="major")  # 5 working days → 2025-09-26
    order_sign(order=order, user=people.school_leader)
    clock(dt.date(2025, 9, 29))
    sweep()
    ext = extension_request(order=order, user=people.school_staff, requested_deadline=dt.date(2025, 10, 10),
                            reason="设备到货延迟")
    extension_decide(extension=ext, user=people.district_leader, approve=True)
    return order


def test_first_overdue_creates_no_city_task(people, tree, clock):
    order = _overdue_twice(people, tree, clock)
    assert queue_names(people.city_leader, order) == set()


def test_second_overdue_gives_the_city_leader_a_supervision_task(people, tree, clock):
    from inspections.orders.services import city_supervise

    order = _overdue_twice(people, tree, clock)
    clock(dt.date(2025, 10, 11))
    sweep()
    order.refresh_from_db()
    assert order.overdue_count == 2
    assert queue_names(people.city_leader, order) == {"city_overdue_supervise"}
    for persona in ("district_leader", "other_district_leader", "school_leader", "city_inspector"):
        assert "city_overdue_supervise" not in queue_names(getattr(people, persona), order), persona
    assert queue_names(people.school_staff, order) == {"report"}  # the school goes on meanwhile
    assert Notification.objects.filter(kind="order.escalated", recipient=people.city_leader).exists()
    with pytest.raises(orders.PermissionDenied):
        city_supervise(order=order, user=people.district_leader, note="督办")
    city_supervise(order=order, user=people.city_leader, note="限期三日内整改到位")
    assert queue_names(people.city_leader, order) == set()
    assert actions(order)[-1] == "order.city_supervised"


def test_second_overdue_city_task_is_made_once_even_if_the_timer_fires_again(people, tree, clock):
    order = _overdue_twice(people, tree, clock)
    clock(dt.date(2025, 10, 11))
    sweep()
    sweep()
    order.refresh_from_db()
    from workflows.rectification import rearm_deadline_timers
    assert rearm_deadline_timers(order.process) >= 1  # the overdue timer armed again at a past moment
    fired, _ = sweep()
    assert fired >= 1
    tasks = Task.objects.filter(process_id=order.process.pk, flow_task=RectificationFlow.city_overdue_supervise)
    assert tasks.count() == 1


def test_a_short_deadline_sends_no_deadline_reminder_at_signing(people, tree, clock):
    clock(dt.date(2025, 9, 22))  # Monday: a hazard order is due Wednesday; its reminders' moments have passed
    order = issue(people, tree, hazard=True)
    order_sign(order=order, user=people.school_leader)
    sweep()
    assert "order.deadline_reminder" not in actions(order)
    assert not Notification.objects.filter(kind="order.deadline_reminder").exists()
    clock(dt.date(2025, 9, 23), hour=9)  # a working day later the last reminder is real
    sweep()
    assert actions(order).count("order.deadline_reminder") == 1


def test_a_normal_deadline_still_reminds_three_working_days_before(people, tree, clock):
    clock(dt.date(2025, 9, 1))
    order = issue(people, tree)  # 20 working days
    order_sign(order=order, user=people.school_leader)
    sweep()
    assert "order.deadline_reminder" not in actions(order)
    from workflows.calendar import working_days_before
    clock(working_days_before(order.deadline.due_at.astimezone(SHANGHAI).date(), 3), hour=10)
    sweep()
    assert actions(order).count("order.deadline_reminder") == 1
