"""A version's scorecards as .xlsx (every input, the score and the rank) and as a PDF ranking in the
official-document style of inspections.documents (CJK font, Chinese dates). The reader's scorecards only."""
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from inspections.documents import cn_date, document, heading

from . import scoring


def _status(version) -> str:
    if version.is_published:
        return _("已公布") + " " + cn_date(version.published_at)
    return _("草稿（未公布）")


def scorecards_xlsx(version, cards) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("绩效评价")[:31]
    evaluation = version.evaluation
    sheet.append([f"{evaluation.title} · v{version.number} · {_status(version)}"])
    sheet.append([_("计算公式") + "：" + scoring.formula(version.scheme)])
    keys = list(scoring.INPUTS)
    sheet.append([_("层级"), _("单位"), _("排名"), _("得分"), *keys, _("评语（已审核）")])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for card in cards:
        values = [card.inputs.get(k, {}).get("value") for k in keys]
        reviewed = card.comment if card.comment_reviewed_at else ""
        sheet.append([str(card.get_level_display()), card.unit.name, card.rank, float(card.score),
                      *[None if v is None else float(v) for v in values], reviewed])
    sheet.column_dimensions["B"].width = 28
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def scorecards_pdf(version, cards) -> bytes:
    pdf = document()
    evaluation = version.evaluation
    heading(pdf, evaluation.title, 18)
    pdf.multi_cell(0, 7, f"{_('评价期')}：{cn_date(evaluation.period_start)}—{cn_date(evaluation.period_end)}　"
                         f"v{version.number}　{_status(version)}", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 7, _("计算公式") + "：" + scoring.formula(version.scheme), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for level, label in ((("district"), _("区县")), (("school"), _("学校"))):
        rows = [c for c in cards if c.level == level]
        if not rows:
            continue
        heading(pdf, label, 14, align="L", gap=1)
        for card in rows:
            line = f"{card.rank}．{card.unit.name}　{card.score}"
            if card.comment_reviewed_at:
                line += f"　{_('评语')}：{card.comment}"
            pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    return bytes(pdf.output())
