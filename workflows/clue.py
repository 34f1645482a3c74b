"""The clue flow (线索办理): register → triage → verify (desk check / surprise visit) → reply → close.

Screens are custom views (inspections/clues/views.py); each human task opens
the clue page, and the clue services complete the task through `task_complete`
in the same transaction as the domain change. Task permissions are guardian
permissions on the clue's district, the action policy's (inspections.clues.actions), so
viewflow's queues show each task to the district's leaders or inspectors (and the city's) — never to a school.
Time limits (working days, per city: inspections.models.ClueSettings) are
non-interrupting timer boundaries that tell the district's leaders.
"""
import datetime as dt

from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import STATUS, flow

from inspections.clues import actions as clue_actions
from inspections.clues import steps as clue_steps
from inspections.conflicts import ClueConflict
from inspections.models import Clue
from inspections.clues.selectors import clues_visible_to
from notifications import events
from organizations import policy
from organizations.roles import Perm, full_perm

from . import completion
from .flow_guard import GuardedFlowAppMixin
from .models import ClueProcess, RoutedTask, routed_flow


# ---------------------------------------------------------------- rules (named, so the chart and tests can name them)


def _clue(process):
    # viewflow hands nodes the base Process row when it loads a task; the clue hangs on the subclass row.
    return (process if isinstance(process, ClueProcess) else process.clueprocess).clue


def district_of(process):
    return _clue(process).district


def permission_of(action_name: str) -> dict:
    """`.Permission(**permission_of("clue.triage"))`: the action policy's permission, on the clue's district."""
    return {"permission": full_perm(clue_actions.ACTIONS[action_name].perm), "obj": district_of}


def is_desk_check(activation) -> bool:
    return _clue(activation.process).decision == Clue.Decision.DESK_CHECK


def is_surprise_visit(activation) -> bool:
    return _clue(activation.process).decision == Clue.Decision.SURPRISE_VISIT


def _due(activation, stage: str):
    return clue_steps.stage_due_at(_clue(activation.process), stage) + dt.timedelta(seconds=1)


def triage_due_at(activation):
    return _due(activation, "triage")


def verify_due_at(activation):
    return _due(activation, "verify")


def reply_due_at(activation):
    return _due(activation, "reply")


def open_clue_page(request, **kwargs):
    """A task opened from viewflow's inbox goes to the clue page, where the forms live."""
    return redirect("clues:detail", pk=_clue(request.activation.task.process).pk)


# ---------------------------------------------------------------- the flow


@routed_flow
class ClueFlow(flow.Flow):
    process_class = ClueProcess
    task_class = RoutedTask
    lock_impl = completion.LOCK  # waiting, not NOWAIT (workflows.completion says why)
    process_title = _("线索办理")
    process_description = _("登记、分办、核查（书面核查或突击检查）、答复反映人、办结。")

    start = flow.StartHandle(this.start_clue).Annotation(title=_("登记线索")).Next(this.triage)

    triage = (
        flow.View(open_clue_page).Annotation(title=_("分办"))
        .Permission(**permission_of("clue.triage"))
        .onCreate(this.entered_triage)
        .OnTimeout(triage_due_at, this.triage_late, interrupting=False, title=_("分办超时"))
        .Next(this.route)
    )
    route = (
        flow.Switch().Annotation(title=_("分办意见"))
        .Case(this.verify_desk, is_desk_check)
        .Case(this.verify_visit, is_surprise_visit)
        .Default(this.reply)
    )
    verify_desk = (
        flow.View(open_clue_page).Annotation(title=_("书面核查"))
        .Permission(**permission_of("clue.verify_desk"))
        .onCreate(this.entered_verify)
        .OnTimeout(verify_due_at, this.verify_late, interrupting=False, title=_("核查超时"))
        .Next(this.reply)
    )
    verify_visit = (
        flow.View(open_clue_page).Annotation(title=_("安排突击检查"))
        .Permission(**permission_of("clue.verify_visit"))
        .onCreate(this.entered_verify)
        .OnTimeout(verify_due_at, this.verify_late, interrupting=False, title=_("核查超时"))
        .Next(this.reply)
    )
    reply = (
        flow.View(open_clue_page).Annotation(title=_("答复反映人"))
        .Permission(**permission_of("clue.reply"))
        .onCreate(this.entered_reply)
        .OnTimeout(reply_due_at, this.reply_late, interrupting=False, title=_("答复超时"))
        .Next(this.close)
    )
    close = (
        flow.View(open_clue_page).Annotation(title=_("办结"))
        .Permission(**permission_of("clue.close"))
        .onCreate(this.entered_close)
        .Next(this.closed)
    )
    closed = flow.Function(this.mark_closed).Annotation(title=_("已办结")).Next(this.end)
    end = flow.End()

    triage_late = flow.Function(this.on_triage_late).Annotation(title=_("催分办")).Next(this.timer_done)
    verify_late = flow.Function(this.on_verify_late).Annotation(title=_("催核查")).Next(this.timer_done)
    reply_late = flow.Function(this.on_reply_late).Annotation(title=_("催答复")).Next(this.timer_done)
    timer_done = flow.End()

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated and (policy.orgs_with(user, Perm.LEAD).exists()
                                          or policy.orgs_with(user, Perm.INSPECT).exists())

    def start_clue(self, activation, clue):
        activation.process.clue = clue  # saved by the start activation
        return activation.process

    def _set_status(self, activation, status):
        clue_steps.clue_set_status(clue=_clue(activation.process), status=status)

    def entered_triage(self, activation):
        self._set_status(activation, Clue.Status.REGISTERED)

    def entered_verify(self, activation):

        self._set_status(activation, Clue.Status.VERIFYING)
        events.emit(events.CLUE_TO_VERIFY, target=_clue(activation.process))

    def entered_reply(self, activation):

        self._set_status(activation, Clue.Status.REPLYING)
        events.emit(events.CLUE_TO_REPLY, target=_clue(activation.process))

    def entered_close(self, activation):
        self._set_status(activation, Clue.Status.REPLIED)

    def mark_closed(self, activation):
        self._set_status(activation, Clue.Status.CLOSED)

    def _late(self, activation, stage: str):
        clue_steps.timer_overdue(clue=_clue(activation.process), stage=stage)

    def on_triage_late(self, activation):
        self._late(activation, "triage")

    def on_verify_late(self, activation):
        self._late(activation, "verify")

    def on_reply_late(self, activation):
        self._late(activation, "reply")


# ---------------------------------------------------------------- driving the flow from the services


def open_task(clue, node: str):
    return (ClueFlow.task_class.objects
            .filter(process__clueprocess__clue=clue, flow_task=getattr(ClueFlow, node),
                    status__in=[STATUS.NEW, STATUS.ASSIGNED])
            .order_by("-pk").first())


def task_complete(*, clue, node: str, user):
    """Complete the open `node` task of the clue's process as `user`; the flow's own permission decides."""
    return completion.run_step(task=open_task(clue, node), user=user, conflict=ClueConflict)


# ---------------------------------------------------------------- viewflow's own pages inside the Site


def visible_clue_processes(user):
    return ClueProcess.objects.filter(clue__in=clues_visible_to(user).values("pk"))


class ClueFlowApp(GuardedFlowAppMixin, flow.FlowAppViewset):
    """viewflow's flow app (inbox, queue, chart); every page naming a process or task answers 404
    for a clue the user may not see, and its lists show only visible clues (workflows.flow_guard)."""

    def __init__(self):
        super().__init__(ClueFlow, icon="campaign")

    def visible_processes(self, user):
        return visible_clue_processes(user)
