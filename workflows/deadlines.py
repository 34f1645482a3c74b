"""Services for stored deadlines: create, move, and recompute when a year is entered."""
import datetime as dt

import django.dispatch
from django.db import transaction

from .calendar import due_after
from .models import Deadline

# Sent after a deadline's due time changed (recomputed or extended), so that
# whatever owns it can re-arm timers. Receivers get `deadline` and `old_due_at`.
deadline_moved = django.dispatch.Signal()


def deadline_create(*, purpose: str, start: dt.date | dt.datetime, working_days: int) -> Deadline:
    start_date = start.date() if isinstance(start, dt.datetime) else start
    due = due_after(start, working_days)
    return Deadline.objects.create(
        purpose=purpose, start_date=start_date, working_days=working_days,
        due_at=due.due_at, provisional=due.provisional,
    )


def deadline_recompute(*, deadline: Deadline) -> bool:
    """Recompute from the stored inputs; True when the due time moved."""
    due = due_after(deadline.start_date, deadline.working_days)
    old = deadline.due_at
    if due.due_at == old and due.provisional == deadline.provisional:
        return False
    deadline.due_at, deadline.provisional = due.due_at, due.provisional
    deadline.save(update_fields=["due_at", "provisional", "updated_at"])
    if due.due_at != old:
        deadline_moved.send(sender=Deadline, deadline=deadline, old_due_at=old)
    return True


def deadline_extend_to(*, deadline: Deadline, new_date: dt.date) -> Deadline:
    """Move a deadline to the end of `new_date`; the working-day count follows it."""
    from .calendar import working_days_between

    deadline.working_days = max(working_days_between(deadline.start_date, new_date), 0)
    deadline_recompute(deadline=deadline)
    return deadline


@transaction.atomic
def recompute_provisional(*, year: int) -> int:
    """Recompute every open provisional deadline that may touch `year`; returns how many moved."""
    moved = 0
    for deadline in Deadline.objects.select_for_update().filter(
        is_open=True, provisional=True, due_at__year__gte=year - 1,
    ):
        moved += deadline_recompute(deadline=deadline)
    return moved


@transaction.atomic
def calendar_year_enter(*, year: int, holidays: dict, workdays: dict, note: str = ""):
    """Enter (or replace) a year's official schedule and recompute what it affects.

    `holidays` and `workdays` map dates to names, e.g. {date(2027, 10, 1): "国庆节"}.
    """
    from django.core.exceptions import ValidationError

    from .models import CalendarDay, CalendarYear

    wrong = [d for d in [*holidays, *workdays] if d.year != year]
    if wrong:
        raise ValidationError(f"日期 {wrong[0]} 不属于 {year} 年。")
    if set(holidays) & set(workdays):
        raise ValidationError("同一天不能既是放假又是调休上班。")
    cal_year, _ = CalendarYear.objects.update_or_create(year=year, defaults={"note": note})
    cal_year.days.all().delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(year=cal_year, date=d, kind="holiday", name=n) for d, n in holidays.items()]
        + [CalendarDay(year=cal_year, date=d, kind="workday", name=n) for d, n in workdays.items()]
    )
    recompute_provisional(year=year)
    return cal_year
