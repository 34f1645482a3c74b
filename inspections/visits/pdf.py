"""The visit record (督导检查记录) as PDF: item results, findings with photo thumbnails, the school's signature."""
from django.utils.translation import gettext as _
from django.utils.translation import override
from fpdf import FPDF

from inspections.documents import RED, cn_date, document, finding_line, heading, image_bytes, para, red_rule
from inspections.visits.models import Visit, VisitItemResult


def _result_summary(visit: Visit) -> dict:
    counts = {choice: 0 for choice in VisitItemResult.Result.values}
    for result in visit.results.all():
        counts[result.result] += 1
    return counts


def _visit_header(pdf: FPDF, visit: Visit) -> None:
    heading(pdf, visit.organiser.name, 22, RED, gap=4)
    red_rule(pdf)
    heading(pdf, _("督导检查记录"), 20, gap=6)
    lead = visit.members.filter(is_lead=True).select_related("user").first()
    rows = [(_("学校"), visit.school.name), (_("检查类型"), visit.get_kind_display()),
            (_("检查日期"), cn_date(visit.checkin_at or visit.planned_date)),
            (_("检查组组长"), lead.user.get_full_name() or lead.user.username if lead else "")]
    for label, value in rows:
        pdf.cell(34, 8, f"{label}：")
        pdf.multi_cell(0, 8, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _visit_findings(pdf: FPDF, visit: Visit) -> None:
    para(pdf, _("二、发现的问题"), indent=False, gap=0)
    for i, finding in enumerate(visit.findings.prefetch_related("attachments").select_related("item"), 1):
        para(pdf, finding_line(i, finding), gap=1)
        x = pdf.l_margin + 8
        for attachment in finding.attachments.all():
            image = image_bytes(attachment.thumbnail) or (
                image_bytes(attachment.file) if attachment.kind == "image" else None)
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
    pdf = document()
    pdf.set_title(f"{_('督导检查记录')} {visit.school.name}")
    _visit_header(pdf, visit)
    counts = _result_summary(visit)
    para(pdf, _("一、检查结果"), indent=False, gap=0)
    para(pdf, _("符合 %(ok)d 项，不符合 %(fail)d 项，不适用 %(na)d 项。")
          % {"ok": counts["pass"], "fail": counts["fail"], "na": counts["na"]})
    if visit.summary:
        para(pdf, visit.summary)
    _visit_findings(pdf, visit)
    para(pdf, _("三、学校代表签字"), indent=False, gap=0)
    para(pdf, f"{visit.representative_name}　{cn_date(visit.signed_at) if visit.signed_at else ''}")
    signature = image_bytes(visit.representative_signature)
    if signature is not None:
        pdf.image(signature, x=pdf.l_margin + 8, y=pdf.get_y(), h=25)
        pdf.ln(28)
    return bytes(pdf.output())
