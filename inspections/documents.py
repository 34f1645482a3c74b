"""The layout of Dudao's official documents (整改通知书, 督导检查记录) as PDF, shared by the order and the visit PDFs.

fpdf2 embeds a subset of the shipped WenQuanYi Micro Hei TrueType font
(inspections/fonts, Apache-2.0) with a ToUnicode map, so the Chinese text is
selectable and extractable, and no system font is needed on the server.
"""
import datetime as dt
import io
import logging
from pathlib import Path

from django.utils.translation import gettext as _
from fpdf import FPDF

from workflows.calendar import SHANGHAI

FONT = Path(__file__).parent / "fonts" / "wqy-microhei.ttf"
RED = (200, 16, 16)
BLACK = (0, 0, 0)

# fontTools logs every subsetting step at INFO; that would flood the server log once per document.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def cn_date(value) -> str:
    """2026年9月28日 — the date style of official documents (Shanghai calendar day)."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(SHANGHAI).date()
    return f"{value.year}年{value.month}月{value.day}日"


def document() -> FPDF:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(26, 25, 26)
    pdf.set_auto_page_break(True, margin=25)
    pdf.add_font("cjk", fname=str(FONT))
    pdf.set_font("cjk", size=12)
    pdf.add_page()
    return pdf


def heading(pdf: FPDF, text: str, size: int, color=BLACK, align="C", gap=4):
    pdf.set_text_color(*color)
    pdf.set_font("cjk", size=size)
    pdf.multi_cell(0, size * 0.5, text, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(gap)
    pdf.set_text_color(*BLACK)
    pdf.set_font("cjk", size=12)


def para(pdf: FPDF, text: str, indent=True, gap=2):
    pdf.multi_cell(0, 8, ("　　" if indent else "") + text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(gap)


def red_rule(pdf: FPDF):
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(8)
    pdf.set_draw_color(*BLACK)


def seal_block(pdf: FPDF, issuer: str, when) -> None:
    """Issuer and date on the right, with a circle left empty for the seal over them."""
    pdf.ln(10)
    if pdf.get_y() > pdf.h - 80:
        pdf.add_page()
    x, y = pdf.w - pdf.r_margin - 58, pdf.get_y()
    pdf.set_draw_color(220, 150, 150)
    pdf.set_dash_pattern(dash=1.5, gap=1.5)
    pdf.ellipse(x + 6, y - 8, 42, 42)
    pdf.set_dash_pattern()
    pdf.set_xy(x, y + 4)
    pdf.multi_cell(58, 8, f"{issuer}\n{cn_date(when)}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(180, 120, 120)
    pdf.set_font("cjk", size=9)
    pdf.set_xy(x, y + 24)
    pdf.cell(58, 6, _("（盖章）"), align="C")
    pdf.set_text_color(*BLACK)
    pdf.set_font("cjk", size=12)


def finding_line(index: int, finding) -> str:
    item = f"［{finding.item.code} {finding.item.title}］" if finding.item else ""
    hazard = _("，存在安全隐患") if finding.hazard else ""
    return f"{index}. {item}{finding.description}（{finding.get_severity_display()}{hazard}）"


def image_bytes(field) -> io.BytesIO | None:
    """A stored image as bytes for fpdf2; None when the file is missing (the record still prints)."""
    if not field:
        return None
    try:
        with field.open("rb") as fh:
            return io.BytesIO(fh.read())
    except (FileNotFoundError, OSError, ValueError):
        return None
