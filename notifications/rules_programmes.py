"""Who is told and what they read for the action-plan rows of the notification table (notifications.rules):
programme progress reports and 督办, plan filing and quality reports, school self-inspection, published
evaluations. Who is called on comes from each app's own action policy (programmes.actions, selfchecks.actions).
"""
from collections.abc import Callable

from django.utils.translation import gettext_noop

from programmes import actions as programme_actions
from selfchecks import actions as selfcheck_actions

from .rule_kinds import Message, page_path as _path


# --- programmes (行动计划督办): who is called on comes from programmes.actions -------------------------

def to_report_signers(target, context):
    return programme_actions.signers(target)


def to_report_reviewers(target, context):
    return programme_actions.reviewers(target)


def to_programme_report_author(target, context):
    return [target.submitted_by]


def to_unit_people(target, context):
    """A missing report: the lead unit's liaisons and leaders."""
    return programme_actions.unit_people(target.task.lead_unit)


def to_task_supervisors(target, context):
    """A lagging or overdue task: the lead unit's leaders and the programme office."""
    return programme_actions.supervisors(target.task)


def _programme_task(target):
    return getattr(target, "task", target)


def programme_params(target) -> dict:
    task = _programme_task(target)
    return {"no": task.no, "task": task.title, "period": getattr(target, "period", "")}


def programme_title(template: str) -> Callable:
    def title(target, context):
        return Message(template, programme_params(target))
    return title


def programme_report_link(target, context) -> str:
    return _path("programmes:report", target.pk, f"/programmes/reports/{target.pk}/")


def programme_task_link(target, context) -> str:
    task = _programme_task(target)
    return _path("programmes:task", task.pk, f"/programmes/tasks/{task.pk}/")


T_PROGRAMME_TO_SIGN = gettext_noop("任务 %(no)s“%(task)s”（%(period)s）的进展报告待您审核")
T_PROGRAMME_TO_REVIEW = gettext_noop("任务 %(no)s“%(task)s”（%(period)s）的进展报告已报送，请审核")
T_PROGRAMME_ACCEPTED = gettext_noop("任务 %(no)s“%(task)s”（%(period)s）的进展报告已采纳")
T_PROGRAMME_RETURNED = gettext_noop("任务 %(no)s“%(task)s”（%(period)s）的进展报告被退回，请修改后重新报送")
T_PROGRAMME_MISSING = gettext_noop("督办：任务 %(no)s“%(task)s”（%(period)s）的进展报告未按期报送")
T_PROGRAMME_LAGGING = gettext_noop("督办：任务 %(no)s“%(task)s”进度滞后")
T_PROGRAMME_OVERDUE = gettext_noop("督办：任务 %(no)s“%(task)s”已逾期未完成")


def to_filing_reviewers(target, context):
    return programme_actions.filing_reviewers(target)


def to_filer_leaders(target, context):
    return programme_actions.filer_leaders(target.filer)


def filing_title(template: str) -> Callable:
    def title(target, context):
        return Message(template, filing_params(target))
    return title


def filing_params(target) -> dict:
    return {"title": target.request.title, "unit": target.filer.name}


def filing_link(target, context) -> str:
    if hasattr(target, "round"):
        return _path("programmes:filing", target.pk, f"/programmes/filings/{target.pk}/")
    return _path("programmes:filing-board", target.request_id, f"/programmes/filing-requests/{target.request_id}/")


def to_selfcheck_signers(target, context):
    return selfcheck_actions.signers(target)


def to_selfcheck_submitter(target, context):
    return [target.submitted_by] if target.submitted_by_id else []


def selfcheck_title(template: str) -> Callable:
    def title(target, context):
        return Message(template, {"school": target.school.name, "campaign": target.request.campaign.title})
    return title


def selfcheck_link(target, context) -> str:
    return _path("selfchecks:detail", target.pk, f"/selfchecks/{target.pk}/")


T_SELFCHECK_TO_SIGN = gettext_noop("%(school)s 的自查报告（%(campaign)s）待您签署")
T_SELFCHECK_SIGNED = gettext_noop("%(school)s 的自查报告（%(campaign)s）已签署")
T_SELFCHECK_RETURNED = gettext_noop("%(school)s 的自查报告（%(campaign)s）被退回，请修改后重新提交")


T_FILING_TO_REVIEW = gettext_noop("%(unit)s 报送了“%(title)s”，请审核备案")
T_FILING_ACCEPTED = gettext_noop("%(unit)s 的“%(title)s”已备案")
T_FILING_RETURNED = gettext_noop("%(unit)s 的“%(title)s”被退回，请修改后重新报送")
T_FILING_OVERDUE = gettext_noop("督办：%(unit)s 未按期报送“%(title)s”")


def to_scorecard_leaders(target, context):
    """A published scorecard: the evaluated unit's own leaders (a district's leaders, a school's leader)."""
    return programme_actions.filer_leaders(target.unit)


def scorecard_title(target, context):
    return Message(T_EVALUATION_PUBLISHED, {"title": target.version.evaluation.title, "unit": target.unit.name,
                                            "score": str(target.score), "rank": target.rank})


def scorecard_link(target, context) -> str:
    return _path("programmes:scorecard", target.pk, f"/programmes/scorecards/{target.pk}/")


T_EVALUATION_PUBLISHED = gettext_noop("“%(title)s”结果已公布：%(unit)s 得分 %(score)s，排名第 %(rank)s")
