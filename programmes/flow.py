"""The progress report flow (任务进展报送): the unit submits → its leader signs off → the programme
office accepts or returns → end. A returned report ends its process; the unit files a new report for
the same period (a new round).

Screens are our own (programmes/views.py); the services complete each task through `task_complete`
in the same transaction as the decision. Task permissions are guardian permissions on organisations
(programmes.actions says which), so viewflow's queues show each step to exactly the right people.
"""
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import STATUS, flow

from organizations.roles import full_perm
from workflows import completion
from workflows.models import RoutedTask, routed_flow

from . import actions, steps
from .conflicts import ReportConflict
from .models import FilingProcess, ReportProcess

SIGNED, RETURNED, ACCEPTED = "signed", "returned", "accepted"


# ---------------------------------------------------------------- rules (named, so the chart and tests can name them)

def _report(process):
    # viewflow hands nodes the base Process row when it loads a task; the report hangs on the subclass row.
    return (process if isinstance(process, ReportProcess) else process.reportprocess).report


def unit_of(process):
    return _report(process).unit


def office_of(process):
    return _report(process).task.programme.issuer


def is_signed(activation) -> bool:
    return _report(activation.process).decision == SIGNED


def is_accepted(activation) -> bool:
    return _report(activation.process).decision == ACCEPTED


def open_report_page(request, **kwargs):
    """A task opened from viewflow's inbox goes to the report page, where the forms live."""
    return redirect("programmes:report", pk=_report(request.activation.task.process).pk)


# ---------------------------------------------------------------- the flow


@routed_flow
class ReportFlow(flow.Flow):
    process_class = ReportProcess
    task_class = RoutedTask
    # viewflow's select_for_update_lock, waiting instead of NOWAIT (workflows.completion says why).
    lock_impl = completion.LOCK
    process_title = _("任务进展报送")
    process_description = _("责任单位报送进展，单位负责人审核，计划办采纳或退回。")

    start = flow.StartHandle(this.start_report).Annotation(title=_("报送进展")).Next(this.sign_off)
    sign_off = (
        flow.View(open_report_page).Annotation(title=_("单位负责人审核"))
        .Permission(full_perm(actions.SIGN_PERM), obj=unit_of)
        .onCreate(this.entered_sign_off).Next(this.signed)
    )
    signed = flow.If(is_signed).Annotation(title=_("是否同意报送")).Then(this.review).Else(this.returned)
    review = (
        flow.View(open_report_page).Annotation(title=_("计划办审核"))
        .Permission(full_perm(actions.REVIEW_PERM), obj=office_of)
        .onCreate(this.entered_review).Next(this.decided)
    )
    decided = flow.If(is_accepted).Annotation(title=_("是否采纳")).Then(this.accepted).Else(this.returned)
    accepted = flow.Function(this.mark_accepted).Annotation(title=_("已采纳")).Next(this.end)
    returned = flow.Function(this.mark_returned).Annotation(title=_("已退回")).Next(this.end)
    end = flow.End()

    def has_view_permission(self, user, obj=None):
        return False  # no viewflow pages: the report page is ours

    def start_report(self, activation, report):
        activation.process.report = report  # saved by the start activation
        return activation.process

    def entered_sign_off(self, activation):
        steps.entered_sign_off(report=_report(activation.process))

    def entered_review(self, activation):
        steps.entered_review(report=_report(activation.process))

    def mark_accepted(self, activation):
        steps.mark_accepted(report=_report(activation.process))

    def mark_returned(self, activation):
        steps.mark_returned(report=_report(activation.process))


# ---------------------------------------------------------------- driving the flow from the services


def open_task(report, node: str):
    return (ReportFlow.task_class.objects
            .filter(process__reportprocess__report=report, flow_task=getattr(ReportFlow, node),
                    status__in=[STATUS.NEW, STATUS.ASSIGNED])
            .order_by("-pk").first())


def task_complete(*, report, node: str, user):
    """Complete the open `node` task as `user`; the flow's own permission decides (403), no open task is 409."""
    def attach(process):
        process.report = report  # the flow's nodes update the service's own (locked) report

    return completion.run_step(task=open_task(report, node), user=user, conflict=ReportConflict, attach=attach)


# ---------------------------------------------------------------- plan filing (备案): file → review → accepted / returned


def _filing(process):
    return (process if isinstance(process, FilingProcess) else process.filingprocess).filing


def filing_office_of(process):
    filing = _filing(process)
    return actions.review_office(filing.request, filing.filer)


def filing_accepted(activation) -> bool:
    return _filing(activation.process).decision == ACCEPTED


def open_filing_page(request, **kwargs):
    return redirect("programmes:filing", pk=_filing(request.activation.task.process).pk)


@routed_flow
class FilingFlow(flow.Flow):
    """A unit files its implementation plan; the programme office accepts it or returns it with reasons.
    A returned filing ends its process; the unit files the next round (a new process)."""

    process_class = FilingProcess
    task_class = RoutedTask
    lock_impl = completion.LOCK  # viewflow's select_for_update_lock, waiting (workflows.completion)
    process_title = _("工作方案备案")
    process_description = _("区县和学校报送工作方案，计划办审核备案或退回。")

    start = flow.StartHandle(this.start_filing).Annotation(title=_("报送工作方案")).Next(this.review)
    review = (
        flow.View(open_filing_page).Annotation(title=_("计划办审核"))
        .Permission(full_perm(actions.REVIEW_PERM), obj=filing_office_of)
        .onCreate(this.entered_review).Next(this.decided)
    )
    decided = flow.If(filing_accepted).Annotation(title=_("是否备案")).Then(this.accepted).Else(this.returned)
    accepted = flow.Function(this.mark_accepted).Annotation(title=_("已备案")).Next(this.end)
    returned = flow.Function(this.mark_returned).Annotation(title=_("已退回")).Next(this.end)
    end = flow.End()

    def has_view_permission(self, user, obj=None):
        return False  # no viewflow pages: the filing page is ours

    def start_filing(self, activation, filing):
        activation.process.filing = filing
        return activation.process

    def entered_review(self, activation):
        steps.filing_entered_review(filing=_filing(activation.process))

    def mark_accepted(self, activation):
        steps.filing_accepted(filing=_filing(activation.process))

    def mark_returned(self, activation):
        steps.filing_returned(filing=_filing(activation.process))


def filing_review_complete(*, filing, user):
    def attach(process):
        process.filing = filing

    task = (FilingFlow.task_class.objects.filter(process__filingprocess__filing=filing, flow_task=FilingFlow.review,
                                                 status__in=[STATUS.NEW, STATUS.ASSIGNED]).order_by("-pk").first())
    return completion.run_step(task=task, user=user, conflict=ReportConflict, attach=attach)
