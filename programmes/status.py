"""Reporting periods and a task's board status, as pure functions of dates and accepted values.

Status (one of STATUSES): done when every indicator has reached its target in the latest accepted
values; overdue when past its due date and not done; lagging when a number indicator is behind the
time elapsed by more than thresholds.LAG_TOLERANCE or the last closed period's report is missing;
otherwise on track.
"""
import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from workflows.calendar import add_working_days

from . import thresholds
from .models import Indicator, ProgrammeTask

DONE, OVERDUE, LAGGING, ON_TRACK = "done", "overdue", "lagging", "on_track"
STATUSES = {DONE: _("已完成"), OVERDUE: _("已逾期"), LAGGING: _("进度滞后"), ON_TRACK: _("按计划推进")}
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Period:
    key: str  # "2022-03" (monthly) or "2022-Q1" (quarterly)
    end: dt.date

    @property
    def report_due(self) -> dt.date:
        return add_working_days(self.end, thresholds.REPORT_DUE_WORKING_DAYS)

    @property
    def chase_day(self) -> dt.date:
        """The working day a missing report is chased: the first after the due day."""
        return add_working_days(self.report_due, 1)


def period_containing(cycle: str, day: dt.date) -> Period:
    if cycle == ProgrammeTask.Cycle.MONTHLY:
        return Period(f"{day.year}-{day.month:02d}", month_end(day.year, day.month))
    quarter = (day.month - 1) // 3 + 1
    return Period(f"{day.year}-Q{quarter}", month_end(day.year, quarter * 3))


def parse_period(cycle: str, key: str) -> Period | None:
    """The period named `key` in the task's cycle, or None when it is not one."""
    pattern = MONTH_RE if cycle == ProgrammeTask.Cycle.MONTHLY else QUARTER_RE
    found = pattern.match(str(key or ""))
    if not found:
        return None
    year, part = int(found.group(1)), int(found.group(2))
    month = part if cycle == ProgrammeTask.Cycle.MONTHLY else part * 3
    return period_containing(cycle, dt.date(year, month, 1))


def last_closed_period(cycle: str, day: dt.date) -> Period:
    """The latest period that ended before `day`: the one whose report is due next."""
    current = period_containing(cycle, day)
    return period_containing(cycle, current.end.replace(day=1) - dt.timedelta(days=1)) \
        if cycle == ProgrammeTask.Cycle.MONTHLY else _previous_quarter(current)


def _previous_quarter(current: Period) -> Period:
    first_month = current.end.month - 2
    return period_containing(ProgrammeTask.Cycle.QUARTERLY,
                             dt.date(current.end.year, first_month, 1) - dt.timedelta(days=1))


def indicator_share(indicator: Indicator, value) -> Decimal:
    """How far an indicator has come (0..1) from its latest accepted value (an IndicatorValue or None)."""
    if value is None:
        return Decimal(0)
    if indicator.kind == Indicator.Kind.MILESTONE:
        return Decimal(1) if value.done else Decimal(0)
    if value.value is None or not indicator.target_value:
        return Decimal(0)
    return min(Decimal(1), value.value / indicator.target_value)


def time_share(task: ProgrammeTask, day: dt.date) -> Decimal:
    start, end = task.programme.starts_on, task.due_date or task.programme.ends_on
    if end <= start:
        return Decimal(1)
    return Decimal(min(max((day - start).days, 0), (end - start).days)) / Decimal((end - start).days)


def numbers_lag(task: ProgrammeTask, values: dict, day: dt.date) -> bool:
    """A number indicator is behind the time elapsed by more than the tolerance."""
    expected = time_share(task, day)
    return any(indicator_share(i, values.get(i.pk)) < expected - thresholds.LAG_TOLERANCE
               for i in task.indicators.all() if i.kind == Indicator.Kind.NUMBER)


def task_status(task: ProgrammeTask, *, values: dict, reported_periods: set, day: dt.date) -> str:
    """`values`: indicator pk → latest accepted IndicatorValue; `reported_periods`: periods with a report
    that was not returned."""
    indicators = list(task.indicators.all())
    if indicators and all(indicator_share(i, values.get(i.pk)) >= 1 for i in indicators):
        return DONE
    if task.due_date and day > task.due_date:
        return OVERDUE
    if numbers_lag(task, values, day) or report_missing(task, reported_periods, day):
        return LAGGING
    return ON_TRACK


def report_missing(task: ProgrammeTask, reported_periods: set, day: dt.date) -> bool:
    """The report the task owes by `day` is missing: the last closed period's (after the programme
    ended, its final period's) once its due day has passed."""
    period = last_closed_period(task.cycle, day)
    if period.end > task.programme.ends_on:
        period = period_containing(task.cycle, task.programme.ends_on)
    if period.end < task.programme.starts_on:
        return False
    return day > period.report_due and period.key not in reported_periods


def accepted_values(reports) -> dict:
    """indicator pk → the IndicatorValue of the newest accepted report that carries it (reports newest first)."""
    latest = {}
    for report in reports:
        if report.status == report.Status.ACCEPTED:
            for value in report.values.all():
                latest.setdefault(value.indicator_id, value)
    return latest


def filed_periods(reports) -> set:
    """Periods with a report that was not returned (pending or accepted)."""
    return {r.period for r in reports if r.status != r.Status.RETURNED}


def status_of(task: ProgrammeTask, day: dt.date, reports=None) -> str:
    """The board status of a task; `reports` defaults to its prefetched `all_reports`."""
    reports = task.all_reports if reports is None else reports
    return task_status(task, values=accepted_values(reports), reported_periods=filed_periods(reports), day=day)


def default_period(task: ProgrammeTask, day: dt.date) -> Period:
    """The period a report filed on `day` is for: the last closed one, or the programme's last after it ends."""
    period = last_closed_period(task.cycle, day)
    if period.end > task.programme.ends_on:
        return period_containing(task.cycle, task.programme.ends_on)
    return period


def within_programme(task: ProgrammeTask, period: Period) -> bool:
    first_day = period.end.replace(day=1) if task.cycle == ProgrammeTask.Cycle.MONTHLY \
        else period.end.replace(day=1, month=period.end.month - 2)
    return period.end >= task.programme.starts_on and first_day <= task.programme.ends_on
