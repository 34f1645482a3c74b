"""Official documents as PDF: the rectification order (整改通知书) and the visit record.

fpdf2 embeds a subset of the shipped WenQuanYi Micro Hei TrueType font
(inspections/fonts, Apache-2.0) with a ToUnicode map, so the Chinese text is
selectable and extractable, and no system font is needed on the server.
"""
import datetime as dt
import io
import logging
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import override
from fpdf import FPDF

from inspections.models import RectificationOrder, Visit, VisitItemResult
from inspections.reports.stats import SHANGHAI
from inspections.evidence.watermark import pairs_of, watermarked

FONT = Path(__file__).parents[1] / "fonts" / "wqy-microhei.ttf"
RED = (200, 16, 16)
BLACK = (0, 0, 0)

# fontTools logs every subsetting step at INFO; that would flood the server log once per document.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def cn_date(value) -> str:
    """2026年9月28日 — the date style of official documents (Shanghai calendar day)."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(SHANGHAI).date()
    return f"{value.year}年{value.month}月{value.day}日"


def _document() -> FPDF:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(26, 25, 26)
    pdf.set_auto_page_break(True, margin=25)
    pdf.add_font("cjk", fname=str(FONT))
    pdf.set_font("cjk", size=12)
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, text: str, size: int, color=BLACK, align="C", gap=4):
    pdf.set_text_color(*color)
    pdf.set_font("cjk", size=size)
    pdf.multi_cell(0, size * 0.5, text, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(gap)
    pdf.set_text_color(*BLACK)
    pdf.set_font("cjk", size=12)


def _para(pdf: FPDF, text: str, indent=True, gap=2):
    pdf.multi_cell(0, 8, ("　　" if indent else "") + text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(gap)


def _red_rule(pdf: FPDF):
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(8)
    pdf.set_draw_color(*BLACK)


def _seal_block(pdf: FPDF, issuer: str, when) -> None:
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


def _finding_line(index: int, finding) -> str:
    item = f"［{finding.item.code} {finding.item.title}］" if finding.item else ""
    hazard = _("，存在安全隐患") if finding.hazard else ""
    return f"{index}. {item}{finding.description}（{finding.get_severity_display()}{hazard}）"


def order_pdf(order: RectificationOrder) -> bytes:
    """The order as an official notice: red header, number, addressee, findings, requirements, deadline, seal."""
    with override("zh-hans"):  # an official document is issued in Chinese whatever the reader's UI language
        return _order_pdf(order)


def _order_pdf(order: RectificationOrder) -> bytes:
    pdf = _document()
    pdf.set_title(f"{order.number} {_('整改通知书')}")
    _heading(pdf, order.issuer.name, 26, RED, gap=6)
    _heading(pdf, order.number, 12, gap=2)
    _red_rule(pdf)
    _heading(pdf, _("督导检查整改通知书"), 20, gap=8)
    _para(pdf, f"{order.school.name}：", indent=False)
    _para(pdf, _("我局于%(day)s对你校进行了督导检查，发现存在以下问题。现通知你校按下列要求限期整改：")
          % {"day": cn_date(order.visit.checkin_at or order.visit.planned_date) if order.visit else cn_date(order.issued_at)})
    _para(pdf, _("一、存在的问题"), indent=False, gap=0)
    for i, finding in enumerate(order.findings.all(), 1):
        _para(pdf, _finding_line(i, finding), gap=0)
    pdf.ln(2)
    _para(pdf, _("二、整改要求"), indent=False, gap=0)
    _para(pdf, order.requirements)
    _para(pdf, _("三、整改期限"), indent=False, gap=0)
    _para(pdf, _("请于%(day)s前完成整改，并通过督导平台报送整改报告及佐证材料。逾期未完成的，将按规定督办。")
          % {"day": cn_date(order.deadline.due_at)})
    _seal_block(pdf, order.issuer.name, order.issued_at)
    _pairs_appendix(pdf, order)
    return bytes(pdf.output())


def _pairs_appendix(pdf: FPDF, order: RectificationOrder) -> None:
    """A page of before/after photos per finding (the watermarked copies people see), once there are any."""
    pairs = [(i, p) for i, p in enumerate(pairs_of(order), 1) if p["before"] or p["after"]]
    if not pairs:
        return
    pdf.add_page()
    _heading(pdf, _("附件：整改前后照片对照"), 16, gap=6)
    for index, pair in pairs:
        if pdf.get_y() > pdf.h - 90:
            pdf.add_page()
        _para(pdf, _finding_line(index, pair["finding"]), indent=False, gap=1)
        top = pdf.get_y()
        for x, label, photos in ((20, _("整改前"), pair["before"]), (110, _("整改后"), pair["after"])):
            pdf.set_xy(x, top)
            pdf.cell(80, 7, label)
            if photos:
                pdf.image(watermarked(photos[0], thumb=True), x=x, y=top + 8, w=80, h=60, keep_aspect_ratio=True)
        pdf.set_xy(20, top + 72)


def _result_summary(visit: Visit) -> dict:
    counts = {choice: 0 for choice in VisitItemResult.Result.values}
    for result in visit.results.all():
        counts[result.result] += 1
    return counts


def _image_bytes(field) -> io.BytesIO | None:
    """A stored image as bytes for fpdf2; None when the file is missing (the record still prints)."""
    if not field:
        return None
    try:
        with field.open("rb") as fh:
            return io.BytesIO(fh.read())
    except (FileNotFoundError, OSError, ValueError):
        return None


def _visit_header(pdf: FPDF, visit: Visit) -> None:
    _heading(pdf, visit.organiser.name, 22, RED, gap=4)
    _red_rule(pdf)
    _heading(pdf, _("督导检查记录"), 20, gap=6)
    lead = visit.members.filter(is_lead=True).select_related("user").first()
    rows = [(_("学校"), visit.school.name), (_("检查类型"), visit.get_kind_display()),
            (_("检查日期"), cn_date(visit.checkin_at or visit.planned_date)),
            (_("检查组组长"), lead.user.get_full_name() or lead.user.username if lead else "")]
    for label, value in rows:
        pdf.cell(34, 8, f"{label}：")
        pdf.multi_cell(0, 8, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _visit_findings(pdf: FPDF, visit: Visit) -> None:
    _para(pdf, _("二、发现的问题"), indent=False, gap=0)
    for i, finding in enumerate(visit.findings.prefetch_related("attachments").select_related("item"), 1):
        _para(pdf, _finding_line(i, finding), gap=1)
        x = pdf.l_margin + 8
        for attachment in finding.attachments.all():
            image = _image_bytes(attachment.thumbnail) or (
                _image_bytes(attachment.file) if attachment.kind == "image" else None)
            if image is None:
                continue
            if pdf.get_y() > pdf.h - 60:
                pdf.add_page()
            pdf.image(image, x=x, y=pdf.get_y(), h=30)
            x += 45
        if x > pdf.l_margin + 8:
            pdf.ln(33)


def visit_pdf(visit: Visit) -> bytes:
    """The visit record: item results, findings with photo thumbnails, the school's signature."""
    with override("zh-hans"):  # the signed record is a Chinese document
        return _visit_pdf(visit)


def _visit_pdf(visit: Visit) -> bytes:
    pdf = _document()
    pdf.set_title(f"{_('督导检查记录')} {visit.school.name}")
    _visit_header(pdf, visit)
    counts = _result_summary(visit)
    _para(pdf, _("一、检查结果"), indent=False, gap=0)
    _para(pdf, _("符合 %(ok)d 项，不符合 %(fail)d 项，不适用 %(na)d 项。")
          % {"ok": counts["pass"], "fail": counts["fail"], "na": counts["na"]})
    if visit.summary:
        _para(pdf, visit.summary)
    _visit_findings(pdf, visit)
    _para(pdf, _("三、学校代表签字"), indent=False, gap=0)
    _para(pdf, f"{visit.representative_name}　{cn_date(visit.signed_at) if visit.signed_at else ''}")
    signature = _image_bytes(visit.representative_signature)
    if signature is not None:
        pdf.image(signature, x=pdf.l_margin + 8, y=pdf.get_y(), h=25)
        pdf.ln(28)
    return bytes(pdf.output())
