"""Services for stored deadlines: create, extend, and recompute when a year is entered."""
import datetime as dt

import django.dispatch
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .calendar import DueTime, due_after, end_of_day, is_working_day, local_date
from .models import CalendarDay, CalendarYear, Deadline

# Sent after a deadline's due time changed (recomputed or extended), so that
# whatever owns it can re-arm timers. Receivers get `deadline` and `old_due_at`.
deadline_moved = django.dispatch.Signal()


def deadline_create(*, purpose: str, start: dt.date | dt.datetime, working_days: int) -> Deadline:
    # The start is a Shanghai date: an order issued at 07:00 Beijing time is still issued that day.
    start_date = local_date(start)
    due = due_after(start_date, working_days)
    return Deadline.objects.create(
        purpose=purpose, start_date=start_date, working_days=working_days,
        due_at=due.due_at, provisional=due.provisional,
    )


def _due(deadline: Deadline) -> DueTime:
    if deadline.granted_date is not None:
        return DueTime(end_of_day(deadline.granted_date), False)
    return due_after(deadline.start_date, deadline.working_days)


def deadline_recompute(*, deadline: Deadline) -> bool:
    """Recompute from the stored inputs; True when the due time moved."""
    due = _due(deadline)
    old = deadline.due_at
    if due.due_at == old and due.provisional == deadline.provisional:
        return False
    deadline.due_at, deadline.provisional = due.due_at, due.provisional
    deadline.save(update_fields=["due_at", "provisional", "updated_at"])
    if due.due_at != old:
        deadline_moved.send(sender=Deadline, deadline=deadline, old_due_at=old)
    return True


def validate_granted_date(day: dt.date, *, field: str = "requested_deadline") -> None:
    """A new deadline is a working day: a school cannot be asked to hand in on a holiday."""
    if not is_working_day(day):
        raise ValidationError({field: _("%(day)s 不是工作日（周末或法定节假日），请选择工作日。")
                               % {"day": day.isoformat()}})


def deadline_extend_to(*, deadline: Deadline, new_date: dt.date) -> Deadline:
    """Move a deadline to the end of `new_date` (a working day), kept as granted."""
    validate_granted_date(new_date)
    deadline.granted_date = new_date
    deadline.save(update_fields=["granted_date", "updated_at"])
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


def calendar_days_validate(*, year: int, holidays, workdays) -> None:
    """Every day belongs to the year, and none is both a holiday and a make-up working day."""
    wrong = [d for d in [*holidays, *workdays] if d.year != year]
    if wrong:
        raise ValidationError(_("日期 %(day)s 不属于 %(year)s 年。") % {"day": wrong[0], "year": year})
    if set(holidays) & set(workdays):
        raise ValidationError(_("同一天不能既是放假又是调休上班。"))


@transaction.atomic
def calendar_year_enter(*, year: int, holidays: dict, workdays: dict, note: str = ""):
    """Enter (or replace) a year's official schedule and recompute what it affects.

    `holidays` and `workdays` map dates to names, e.g. {date(2027, 10, 1): "国庆节"}.
    """
    calendar_days_validate(year=year, holidays=holidays, workdays=workdays)
    cal_year, _created = CalendarYear.objects.update_or_create(year=year, defaults={"note": note})
    cal_year.days.all().delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(year=cal_year, date=d, kind="holiday", name=n) for d, n in holidays.items()]
        + [CalendarDay(year=cal_year, date=d, kind="workday", name=n) for d, n in workdays.items()]
    )
    recompute_provisional(year=year)
    return cal_year
