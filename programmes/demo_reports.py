"""A few demo progress reports, filed and decided through the services (so the flow, the audit of
decisions and the notifications are the real ones): accepted, returned, awaiting sign-off and review."""
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from organizations.models import Organization

from . import services


def _user(username):
    return get_user_model().objects.get(username=username)


def _values(task, **by_kind):
    values = []
    for indicator in task.indicators.all():
        if indicator.kind == indicator.Kind.NUMBER:
            share = by_kind.get("share", 0)
            values.append({"indicator": indicator.pk, "value": indicator.target_value * Decimal(str(share))})
        else:
            values.append({"indicator": indicator.pk, "done": by_kind.get("done", False)})
    return values


def _file(task, username, period, narrative, **values):
    return services.report_submit(user=_user(username), task=task, period=period, narrative=narrative,
                                  values=_values(task, **values))


def load_demo_reports(programme) -> None:
    liaison, chief, office = "jn_liaison", _user("jn_unit_leader"), _user("jn_leader")
    tasks = {t.no: t for t in programme.tasks.prefetch_related("indicators")}
    done = _file(tasks[5], liaison, "2021-12", "职业教育考试招生改革实施方案已印发并组织实施。", done=True)
    services.report_sign(user=chief, report=done, approve=True)
    services.report_review(user=office, report=done, accept=True)
    behind = _file(tasks[1], liaison, "2022-Q4", "市属高职院校在校生规模持续扩大，距目标尚有差距。", share=0.9)
    services.report_sign(user=chief, report=behind, approve=True)
    services.report_review(user=office, report=behind, accept=True)
    full = _file(tasks[12], liaison, "2022-Q4", "资源库、精品课程和信息化试点校建设均已完成。", share=1)
    services.report_sign(user=chief, report=full, approve=True)
    services.report_review(user=office, report=full, accept=True)
    returned = _file(tasks[8], liaison, "2022-Q4", "省级高水平中职学校创建工作稳步推进。", share=0.5)
    services.report_sign(user=chief, report=returned, approve=True)
    services.report_review(user=office, report=returned, accept=False, comment="请补充各校创建进度和佐证材料。")
    waiting = _file(tasks[9], liaison, "2022-Q4", "专业设置负面清单已发布，高水平专业群建设推进中。", share=0.8)
    services.report_sign(user=chief, report=waiting, approve=True)  # awaits the office's review
    _file(tasks[12], "rsj_liaison", "2022-Q4", "配合完成技工院校精品课程建设。", share=1)  # awaits 人社局's leader


def load_demo_filings(filing_request) -> None:
    """长清 filed (after the deadline: marked late) and was accepted; 济阳 was returned; 艺术学校 has not filed."""

    office = _user("jn_leader")
    plan = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    for username, code, accept in (("cq_leader", "JN-CQ", True), ("jy_leader", "JN-JY", False)):
        document = ContentFile(plan, name="工作方案.pdf")
        filing = services.filing_submit(user=_user(username), filing_request=filing_request,
                                        filer=Organization.objects.get(code=code), document=document,
                                        key_dates="2020年10月启动，2022年6月中期评估，2022年12月总结")
        services.filing_review(user=office, filing=filing, accept=accept,
                               comment="" if accept else "请补充分年度目标和责任分工。")


def load_demo_quality_reports(quality_request) -> None:
    """长清职专 reported (late) and was returned by 长清区; 济阳职专 reported and was accepted; 艺术学校 has not."""
    report = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    figures = {"enrolment": 2150, "employment_rate": "97.2", "dual_teacher_share": "61.5",
               "equipment_per_student": 10300}
    for filer, code, reviewer, accept in (("cqzz_leader", "S-CQZZ", "cq_leader", False),
                                          ("jyzz_leader", "S-JYZZ", "jy_leader", True)):
        filing = services.filing_submit(user=_user(filer), filing_request=quality_request,
                                        filer=Organization.objects.get(code=code), figures=figures,
                                        document=ContentFile(report, name="质量年度报告.pdf"))
        services.filing_review(user=_user(reviewer), filing=filing, accept=accept,
                               comment="" if accept else "就业率请按教育部统计口径核实后重新报送。")
