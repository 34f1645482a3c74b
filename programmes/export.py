"""The task list as .xlsx (openpyxl): every task the reader sees, with its status and indicator progress."""
import datetime as dt
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from .board import board

WIDTHS = (6, 22, 30, 50, 24, 40, 14, 12, 12, 40, 14)


def _indicators(row) -> str:
    parts = []
    for item in row.indicators:
        if item.indicator.kind == item.indicator.Kind.NUMBER:
            current = item.value.value if item.value else "—"
            parts.append(f"{item.indicator.name}: {current}/{item.indicator.target_value} {item.indicator.unit}")
        else:
            parts.append(f"{item.indicator.name}: {_('已完成') if item.value and item.value.done else _('未完成')}")
    return "\n".join(parts)


def _line(row) -> list:
    task = row.task
    return [task.no, task.area, task.title, task.target, str(task.lead_unit),
            "、".join(str(u) for u in task.co_units.all()), task.deadline_text or "—",
            task.get_cycle_display(), str(row.status_label), _indicators(row),
            row.latest_report.period if row.latest_report else "—"]


def task_list_xlsx(programme, tasks, day: dt.date) -> bytes:
    rows, _counts = board(tasks, day)
    book = Workbook()
    sheet = book.active
    sheet.title = _("工作任务清单")[:31]
    sheet.append([programme.title])
    sheet.append([_("序号"), _("重点工作"), _("任务"), _("任务目标"), _("牵头单位"), _("配合单位"), _("完成时限"),
                  _("报送周期"), _("状态"), _("量化指标进展"), _("最近报送期")])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(_line(row))
    for n, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + n)].width = width
    for line in sheet.iter_rows(min_row=3):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = BytesIO()
    book.save(out)
    return out.getvalue()
