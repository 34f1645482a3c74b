"""The rectification order (整改通知书) as PDF, with the before/after evidence annex."""
from django.utils.translation import gettext as _
from django.utils.translation import override
from fpdf import FPDF

from inspections.documents import RED, cn_date, document, finding_line, heading, para, red_rule, seal_block
from inspections.evidence.watermark import pairs_of, watermarked
from inspections.orders.models import RectificationOrder


def order_pdf(order: RectificationOrder) -> bytes:
    """The order as an official notice: red header, number, addressee, findings, requirements, deadline, seal."""
    with override("zh-hans"):  # an official document is issued in Chinese whatever the reader's UI language
        return _order_pdf(order)


def _order_pdf(order: RectificationOrder) -> bytes:
    pdf = document()
    pdf.set_title(f"{order.number} {_('整改通知书')}")
    heading(pdf, order.issuer.name, 26, RED, gap=6)
    heading(pdf, order.number, 12, gap=2)
    red_rule(pdf)
    heading(pdf, _("督导检查整改通知书"), 20, gap=8)
    para(pdf, f"{order.school.name}：", indent=False)
    para(pdf, _("我局于%(day)s对你校进行了督导检查，发现存在以下问题。现通知你校按下列要求限期整改：")
          % {"day": cn_date(order.visit.checkin_at or order.visit.planned_date) if order.visit else cn_date(order.issued_at)})
    para(pdf, _("一、存在的问题"), indent=False, gap=0)
    for i, finding in enumerate(order.findings.all(), 1):
        para(pdf, finding_line(i, finding), gap=0)
    pdf.ln(2)
    para(pdf, _("二、整改要求"), indent=False, gap=0)
    para(pdf, order.requirements)
    para(pdf, _("三、整改期限"), indent=False, gap=0)
    para(pdf, _("请于%(day)s前完成整改，并通过督导平台报送整改报告及佐证材料。逾期未完成的，将按规定督办。")
          % {"day": cn_date(order.deadline.due_at)})
    seal_block(pdf, order.issuer.name, order.issued_at)
    _pairs_appendix(pdf, order)
    return bytes(pdf.output())


def _pairs_appendix(pdf: FPDF, order: RectificationOrder) -> None:
    """A page of before/after photos per finding (the watermarked copies people see), once there are any."""
    pairs = [(i, p) for i, p in enumerate(pairs_of(order), 1) if p["before"] or p["after"]]
    if not pairs:
        return
    pdf.add_page()
    heading(pdf, _("附件：整改前后照片对照"), 16, gap=6)
    for index, pair in pairs:
        if pdf.get_y() > pdf.h - 90:
            pdf.add_page()
        para(pdf, finding_line(index, pair["finding"]), indent=False, gap=1)
        top = pdf.get_y()
        for x, label, photos in ((20, _("整改前"), pair["before"]), (110, _("整改后"), pair["after"])):
            pdf.set_xy(x, top)
            pdf.cell(80, 7, label)
            if photos:
                pdf.image(watermarked(photos[0], thumb=True), x=x, y=top + 8, w=80, h=60, keep_aspect_ratio=True)
        pdf.set_xy(20, top + 72)
