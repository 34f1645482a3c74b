"""The self-inspection sign-off flow (自查报告签署): the school submits its filled checklist → the school
leader signs it or returns it → end. A returned report ends its process; the school corrects it and
submits again (a new process), as a returned progress report does in programmes.flow.

Screens are ours (selfchecks/views.py); services complete the sign task through `sign_complete` in the
same transaction as the decision. The task's permission is `approve_for_school` on the school itself
(selfchecks.actions), so viewflow's queue shows it to that school's leaders only.
"""
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import STATUS, flow

from organizations.roles import full_perm
from workflows import completion
from workflows.models import RoutedTask, routed_flow

from . import actions, steps
from .conflicts import SelfCheckConflict
from .models import SelfCheckProcess

SIGNED, RETURNED = "signed", "returned"


def _selfcheck(process):
    # viewflow hands nodes the base Process row when it loads a task; the self-check hangs on the subclass row.
    return (process if isinstance(process, SelfCheckProcess) else process.selfcheckprocess).selfcheck


def school_of(process):
    return _selfcheck(process).school


def is_signed(activation) -> bool:
    return _selfcheck(activation.process).decision == SIGNED


def open_selfcheck_page(request, **kwargs):
    """A task opened from viewflow's inbox goes to our self-inspection page, where the forms live."""
    return redirect("selfchecks:detail", pk=_selfcheck(request.activation.task.process).pk)


@routed_flow
class SelfCheckFlow(flow.Flow):
    process_class = SelfCheckProcess
    task_class = RoutedTask
    lock_impl = completion.LOCK  # viewflow's select_for_update_lock, waiting (workflows.completion says why)
    process_title = _("学校自查")
    process_description = _("学校按检查表自查，学校负责人签署自查报告。")

    start = flow.StartHandle(this.start_selfcheck).Annotation(title=_("提交自查报告")).Next(this.sign)
    sign = (
        flow.View(open_selfcheck_page).Annotation(title=_("学校负责人签署"))
        .Permission(full_perm(actions.SIGN_PERM), obj=school_of)
        .onCreate(this.entered_sign).Next(this.decided)
    )
    decided = flow.If(is_signed).Annotation(title=_("是否签署")).Then(this.signed).Else(this.returned)
    signed = flow.Function(this.mark_signed).Annotation(title=_("已签署")).Next(this.end)
    returned = flow.Function(this.mark_returned).Annotation(title=_("退回修改")).Next(this.end)
    end = flow.End()

    def has_view_permission(self, user, obj=None):
        return False  # no viewflow pages: the self-inspection page is ours

    def start_selfcheck(self, activation, selfcheck):
        activation.process.selfcheck = selfcheck  # saved by the start activation
        return activation.process

    def entered_sign(self, activation):
        steps.entered_sign(selfcheck=_selfcheck(activation.process))

    def mark_signed(self, activation):
        steps.mark_signed(selfcheck=_selfcheck(activation.process))

    def mark_returned(self, activation):
        steps.mark_returned(selfcheck=_selfcheck(activation.process))


def open_task(selfcheck):
    return (SelfCheckFlow.task_class.objects
            .filter(process__selfcheckprocess__selfcheck=selfcheck, flow_task=SelfCheckFlow.sign,
                    status__in=[STATUS.NEW, STATUS.ASSIGNED])
            .order_by("-pk").first())


def sign_complete(*, selfcheck, user):
    """Complete the open sign task as `user`: the flow's own permission decides (403), none open is 409."""
    def attach(process):
        process.selfcheck = selfcheck  # the flow's nodes update the service's own (locked) row

    return completion.run_step(task=open_task(selfcheck), user=user, conflict=SelfCheckConflict, attach=attach)
