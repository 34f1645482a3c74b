import datetime as dt

import pytest

from workflows.calendar import (
    SHANGHAI, add_working_days, due_after, is_working_day, working_days_between, working_days_from,
)
from workflows.deadlines import calendar_year_enter, deadline_create, deadline_moved

D = dt.date


def test_deadline_skips_national_day_holiday(db):
    # 2026-09-30 is a Wednesday; 1–7 October are the National Day holiday.
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 30), 2) == D(2026, 10, 9)


def test_make_up_saturday_counts_as_working_day(db):
    # Saturday 10 October 2026 is a make-up working day for the holiday.
    assert is_working_day(D(2026, 10, 10))
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    # Sunday 20 September 2026 is one too; Saturday the 19th is not.
    assert add_working_days(D(2026, 9, 18), 1) == D(2026, 9, 20)


def test_deadline_ends_at_end_of_day_in_shanghai(db):
    start = dt.datetime(2026, 9, 30, 1, 0, tzinfo=dt.timezone.utc)  # 09:00 in Shanghai
    due = due_after(start, 2)
    assert due.due_at == dt.datetime(2026, 10, 9, 23, 59, 59, tzinfo=SHANGHAI)
    assert due.provisional is False


def test_start_late_evening_utc_counts_from_shanghai_date(db):
    # 17:00 UTC on 30 Sept is already 1 October in Shanghai.
    start = dt.datetime(2026, 9, 30, 17, 0, tzinfo=dt.timezone.utc)
    assert add_working_days(start, 1) == D(2026, 10, 8)


def test_naive_datetime_is_refused(db):
    with pytest.raises(ValueError):
        add_working_days(dt.datetime(2026, 9, 30, 9, 0), 1)


def test_working_days_between_across_holiday(db):
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3
    assert working_days_between(D(2026, 10, 10), D(2026, 9, 30)) == -3
    assert working_days_between(D(2026, 10, 8), D(2026, 10, 8)) == 0


def test_working_days_from_one_start_equal_the_single_count_across_national_day(db):
    # Ends on both sides of the start, the make-up Sunday 2026-09-20, the National Day holiday,
    # the make-up Saturday 2026-10-10, and into 2027 (not published: weekends only).
    start = dt.datetime(2026, 9, 24, 18, 0, tzinfo=dt.timezone.utc)  # already 25 September in Shanghai
    ends = [D(2026, 9, 18), D(2026, 9, 19), D(2026, 9, 20), D(2026, 9, 25), D(2026, 9, 30), D(2026, 10, 7),
            dt.datetime(2026, 10, 10, 20, 0, tzinfo=SHANGHAI), D(2026, 10, 12), D(2027, 1, 5)]
    expected = [working_days_between(start, end) for end in ends]
    assert working_days_from(start, ends) == expected
    assert expected[:3] == [-5, -5, -4] and expected[4:8] == [3, 3, 6, 7]  # 25 Sept: Mid-Autumn
    assert working_days_from(start, []) == []


def test_working_days_from_follow_an_entered_year_with_one_calendar_read(db, django_assert_max_num_queries):
    calendar_year_enter(year=2026, holidays={D(2026, 10, 1): "国庆节", D(2026, 10, 2): "国庆节"},
                        workdays={D(2026, 10, 10): "国庆节调休"}, note="测试")
    ends = [D(2026, 9, 30) + dt.timedelta(days=i) for i in range(0, 400, 7)]
    expected = [working_days_between(D(2026, 9, 30), end) for end in ends]
    with django_assert_max_num_queries(2):  # the entered years and their days, whatever the number of ends
        assert working_days_from(D(2026, 9, 30), ends) == expected


def test_deadline_into_unpublished_year_is_provisional_and_recomputed_when_entered(db):
    moved = []
    deadline_moved.connect(lambda sender, deadline, old_due_at, **kw: moved.append((deadline.pk, old_due_at)),
                           weak=False, dispatch_uid="test-moved")
    try:
        # 28 Dec 2026 (Mon) + 5 working days; 2027 is not in the package, so 1 Jan counts as a weekday.
        deadline = deadline_create(purpose="test", start=D(2026, 12, 28), working_days=5)
        assert deadline.provisional
        assert deadline.due_at.date() == D(2027, 1, 4)

        calendar_year_enter(year=2027, holidays={D(2027, 1, 1): "元旦"}, workdays={}, note="测试")
        deadline.refresh_from_db()
        assert not deadline.provisional
        assert deadline.due_at == dt.datetime(2027, 1, 5, 23, 59, 59, tzinfo=SHANGHAI)
        assert moved and moved[0][0] == deadline.pk
    finally:
        deadline_moved.disconnect(dispatch_uid="test-moved")


def test_admin_entered_year_overrides_the_package(db):
    # Pretend a make-up working day on Sunday 4 Oct 2026 was published late.
    calendar_year_enter(year=2026, holidays={D(2026, 10, 1): "国庆节", D(2026, 10, 2): "国庆节"},
                        workdays={D(2026, 10, 4): "调休"})
    assert is_working_day(D(2026, 10, 4))
    assert not is_working_day(D(2026, 10, 2))
    assert is_working_day(D(2026, 10, 5))  # a weekday not listed is a working day once entered


def test_entering_a_day_of_another_year_is_refused(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        calendar_year_enter(year=2027, holidays={D(2028, 1, 1): "元旦"}, workdays={})
