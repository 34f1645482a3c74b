"""督办: a missing report and a lagging task each produce exactly one notice, to the right people, on the
right working day (the official calendar), however often the scheduler sweeps."""
import datetime as dt

import pytest

from notifications.models import Notification
from programmes import services, status
from programmes.models import ProgrammeTask, SupervisionNotice
from workflows.calendar import add_working_days, is_working_day, working_days_before

from .programme_helpers import programme_with_tasks, units_and_people

pytestmark = pytest.mark.django_db

Q3 = status.parse_period(ProgrammeTask.Cycle.QUARTERLY, "2026-Q3")  # ends 2026-09-30, before National Day


@pytest.fixture
def plan(tree, people):
    units = units_and_people(tree, people)
    return units, programme_with_tasks(tree, units)


def _notified(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_the_chase_day_counts_working_days_over_the_national_day_holiday():
    # Due 5 working days after 30 September: the Golden Week (1-8 October 2026) does not count.
    assert Q3.report_due == add_working_days(dt.date(2026, 9, 30), 5) and Q3.report_due > dt.date(2026, 10, 8)
    assert is_working_day(Q3.chase_day) and Q3.chase_day == add_working_days(Q3.report_due, 1)


def test_a_missing_report_is_chased_once_on_the_first_working_day_after_it_was_due(plan):
    units, p = plan
    day_before = working_days_before(Q3.chase_day, 1)
    assert services.supervise(day=day_before) == 0
    assert not Notification.objects.filter(kind="programme.report_missing").exists()
    services.supervise(day=Q3.chase_day)
    services.supervise(day=Q3.chase_day)  # the scheduler sweeps again the same day
    services.supervise(day=add_working_days(Q3.chase_day, 1))  # and the next working day
    notices = SupervisionNotice.objects.filter(kind="missing", period="2026-Q3")
    assert {n.task.no for n in notices} == {1, 2, 3} and {n.day for n in notices} == {Q3.chase_day}
    # Each lead unit's own liaison and leader, once: the bureau's liaison for its task (not the co-unit), each
    # department's for theirs; never a school, nor the office (a missing report is the unit's to fix first).
    assert _notified("programme.report_missing") == ["city_liaison", "rsj_leader", "rsj_liaison", "wjw_liaison"]


def test_no_chase_on_a_day_off_even_after_the_due_day(plan):
    saturday = next(Q3.chase_day + dt.timedelta(days=n) for n in range(1, 8)
                    if not is_working_day(Q3.chase_day + dt.timedelta(days=n)))
    assert services.supervise(day=saturday) == 0


def test_a_filed_report_is_not_chased(plan, people):
    units, p = plan
    services.report_submit(user=units.rsj_liaison, task=p.led, narrative="进展", period="2026-Q3", values=[])
    services.supervise(day=Q3.chase_day)
    assert not SupervisionNotice.objects.filter(task=p.led, kind="missing").exists()


def test_a_lagging_task_gives_exactly_one_notice_to_its_unit_leader_and_the_office(plan, people):
    units, p = plan
    indicator = p.led.indicators.get()
    report = services.report_submit(user=units.rsj_liaison, task=p.led, narrative="进展", period="2026-Q3",
                                    values=[{"indicator": indicator.pk, "value": "10"}])
    services.report_sign(user=units.rsj_leader, report=report, approve=True)
    services.report_review(user=people.city_leader, report=report, accept=True)
    Notification.objects.all().delete()
    for day in (Q3.chase_day, Q3.chase_day, add_working_days(Q3.chase_day, 2)):
        services.supervise(day=day)
    assert SupervisionNotice.objects.filter(task=p.led, kind="lagging").count() == 1
    assert _notified("programme.task_lagging") == ["city_leader", "rsj_leader"]
    assert not SupervisionNotice.objects.filter(task=p.led, kind="missing").exists()


def test_an_overdue_task_is_told_once_the_working_day_after_its_due_date(plan):
    units, p = plan  # task 2 (the city bureau's milestone) was due 30 June 2026
    first = add_working_days(dt.date(2026, 6, 30), 1)
    services.supervise(day=working_days_before(first, 1))
    assert not SupervisionNotice.objects.filter(kind="overdue").exists()
    services.supervise(day=first)
    services.supervise(day=add_working_days(first, 1))
    assert SupervisionNotice.objects.get(kind="overdue").task == p.milestone
    assert _notified("programme.task_overdue") == ["city_leader"]
