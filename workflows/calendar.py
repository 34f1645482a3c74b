"""Working days on the Chinese official calendar, deadlines at 23:59:59 Shanghai time.

Sources, in order: a year an admin entered in the app (CalendarYear), then
the chinesecalendar package, then — for a year nobody has published yet —
weekends alone, with the result marked provisional.
"""
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_DAY = dt.time(23, 59, 59)


@dataclass(frozen=True)
class DueTime:
    due_at: dt.datetime
    provisional: bool


class _Days:
    """The official schedule for a span of dates, loaded with one query per call."""

    def __init__(self, first: dt.date, last: dt.date):
        from .models import CalendarDay, CalendarYear

        years = range(first.year, last.year + 1)
        self.entered = set(CalendarYear.objects.filter(year__in=years).values_list("year", flat=True))
        self.listed = {
            d.date: d.kind for d in CalendarDay.objects.filter(year__year__in=self.entered)
        }
        self.provisional = False

    def is_working(self, day: dt.date) -> bool:
        if day.year in self.entered:
            kind = self.listed.get(day)
            if kind:
                return kind == "workday"
            return day.weekday() < 5
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            self.provisional = True
            return day.weekday() < 5


def local_date(value) -> dt.date:
    """The Asia/Shanghai calendar day of an aware datetime (a date is returned as it is)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not accepted; use an aware datetime")
        return value.astimezone(SHANGHAI).date()
    return value


def _walk(start: dt.date, n: int) -> tuple[dt.date, bool]:
    # A generous window: 3 weeks of holidays at most per 10 working days.
    days = _Days(start, start + dt.timedelta(days=n * 2 + 30))
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if days.is_working(day):
            counted += 1
    return day, days.provisional


def add_working_days(start, n: int) -> dt.date:
    """The n-th working day after `start` (a date or aware datetime); `start` itself is not counted."""
    if n < 0:
        raise ValueError("n must not be negative")
    return _walk(local_date(start), n)[0]


def due_after(start, n: int) -> DueTime:
    """The deadline n working days after `start`: 23:59:59 Shanghai time on that day."""
    day, provisional = _walk(local_date(start), n)
    return DueTime(end_of_day(day), provisional)


def end_of_day(day: dt.date) -> dt.datetime:
    """When a deadline on `day` ends: 23:59:59 Shanghai time."""
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI)


def is_working_day(day) -> bool:
    day = local_date(day)
    return _Days(day, day).is_working(day)


class WorkingDayIndex:
    """Working days between any two days of a span, from one load of the official calendar.

    working_days_between() reads the calendar per call; for a page of orders or thousands of
    closed ones that is a read per row, so the same rule is applied here with prefix sums.
    """

    def __init__(self, first: dt.date, last: dt.date):
        days = _Days(first, last)
        self.first = first
        self.prefix = [0]
        for i in range((last - first).days + 1):
            self.prefix.append(self.prefix[-1] + days.is_working(first + dt.timedelta(days=i)))

    def between(self, a: dt.date, b: dt.date) -> int:
        """working_days_between(a, b) for two days of the span (negative when `b` is before `a`)."""
        return self.prefix[(b - self.first).days + 1] - self.prefix[(a - self.first).days + 1]


def working_days_from(start, ends) -> list[int]:
    """working_days_between(start, end) for each of `ends`, in order, from one load of the calendar."""
    start, ends = local_date(start), [local_date(end) for end in ends]
    if not ends:
        return []
    index = WorkingDayIndex(min(start, *ends), max(start, *ends))
    return [index.between(start, end) for end in ends]


def working_days_before(day: dt.date, n: int) -> dt.date:
    """The n-th working day before `day` (n ≥ 1; `day` itself is not counted), from one calendar read."""
    days = _Days(day - dt.timedelta(days=n * 2 + 30), day)  # the same generous window as _walk
    counted = 0
    while counted < n:
        day -= dt.timedelta(days=1)
        counted += days.is_working(day)
    return day


def working_days_between(a, b) -> int:
    """Working days after `a` up to and including `b`; negative when `b` is before `a`."""
    a, b = local_date(a), local_date(b)
    if b < a:
        return -working_days_between(b, a)
    days = _Days(a, b)
    count, day = 0, a
    while day < b:
        day += dt.timedelta(days=1)
        count += days.is_working(day)
    return count
