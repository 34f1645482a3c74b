"""What the board and the export show per task: its status, each indicator's latest accepted value.

Read-only, from the tasks `selectors.with_reports` prepared; shared by the page, the API and the .xlsx.
"""
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from . import status


@dataclass
class IndicatorRow:
    indicator: object
    value: object  # the latest accepted IndicatorValue, or None
    share: float


@dataclass
class TaskRow:
    task: object
    status: str
    indicators: list = field(default_factory=list)
    latest_report: object = None  # the newest report the reader may open

    @property
    def status_label(self):
        return status.STATUSES[self.status]


def task_row(task, day: dt.date) -> TaskRow:
    values = status.accepted_values(task.all_reports)
    rows = [IndicatorRow(i, values.get(i.pk), float(status.indicator_share(i, values.get(i.pk))))
            for i in task.indicators.all()]
    seen = task.seen_reports
    return TaskRow(task=task, status=status.status_of(task, day), indicators=rows,
                   latest_report=seen[0] if seen else None)


def board(tasks, day: dt.date) -> tuple[list[TaskRow], dict]:
    """Rows in task order and the count per status (every status present, zero included)."""
    rows = [task_row(t, day) for t in tasks]
    counts = Counter(r.status for r in rows)
    return rows, {key: counts.get(key, 0) for key in status.STATUSES}
