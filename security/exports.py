"""The audit trail as an .xlsx workbook."""
import io
import json

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

# Excel runs a cell starting with these as a formula; exported data must never do that.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_ROW_LIMIT = 100_000


def xlsx_text_cell(sheet, value) -> WriteOnlyCell:
    """A cell that always holds `value` as text, even when it looks like a formula."""
    cell = WriteOnlyCell(sheet, value="" if value is None else str(value))
    if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_STARTS):
        cell.data_type = "s"
    return cell


def _row(event) -> list:
    return [
        timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        event.actor.username if event.actor else "",
        event.actor.get_full_name() if event.actor else "",
        event.action,
        event.organization.name if event.organization else "",
        event.object_type.model if event.object_type else "",
        event.object_id,
        event.ip or "",
        json.dumps(event.before, ensure_ascii=False) if event.before is not None else "",
        json.dumps(event.after, ensure_ascii=False) if event.after is not None else "",
    ]


def audit_workbook(events) -> tuple[bytes, int]:
    """The events as .xlsx bytes, and how many rows were written."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("审计记录"))
    sheet.append([_("时间"), _("账号"), _("姓名"), _("操作"), _("机构"), _("对象类型"),
                  _("对象编号"), _("IP"), _("变更前"), _("变更后")])
    count = 0
    for event in events[:EXPORT_ROW_LIMIT].iterator(chunk_size=2000):
        sheet.append([xlsx_text_cell(sheet, value) for value in _row(event)])
        count += 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), count
