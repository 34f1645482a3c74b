"""Who may act on a visit now, and if not, why: the visit part of the one action policy.

`inspections.actions.can(user, "visit.sign", visit)` dispatches here by the
action's prefix. Services refuse through `require()`, the visit pages and the
API show and accept `actions_for()`, templates ask the `{% may_visit %}` tag,
and the visit flow (workflows.visit) builds each node's `.Permission()` from
this table, so viewflow's queue and inbox route each task to the same people.

Who does what:
- on site (check in, answer the checklist and record findings, have the school's
  representative sign on the tablet): the visit's own team, while each member
  may still inspect the school (a member moved to another district drops out);
- submit the record: the team's lead inspector;
- review (approve or return): a leader of the organising authority (a leader
  higher up reaches it too);
- plan a visit: whoever inspects or leads the school (asked with the school).

The state comes from the visit's status, which only the flow writes; a
refusal says 403 (not yours) before 409 (not now). An action a person may take
but nobody waits for (editing the record after a return, by members other than
the lead) is `optional`: it is no task in anyone's inbox.
"""
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm

from inspections.conflicts import VisitConflict
from inspections.decision import ALLOWED, Decision, enforce
from inspections.visits.models import Visit, VisitItemResult

SUBJECT = Visit  # what inspections.actions.actions_for hands to this table
S = Visit.Status
EDITABLE = (S.IN_PROGRESS, S.RETURNED)
# An item answered so needs a finding before the record may be signed (services._require_complete, the offline pages).
FINDING_REQUIRED_FOR = (VisitItemResult.Result.FAIL,)


def visit_school(visit) -> Organization:
    return visit.school


def visit_organiser(visit) -> Organization:
    return visit.organiser


def on_team(user, visit) -> bool:
    return visit.members.filter(user_id=getattr(user, "pk", None)).exists()


def is_lead(user, visit) -> bool:
    return visit.members.filter(user_id=getattr(user, "pk", None), is_lead=True).exists()


def anyone(user, visit) -> bool:
    return True


@dataclass(frozen=True)
class Action:
    name: str
    perm: str                                 # a Perm codename on the owning organisation
    owner: Callable[[object], Organization]   # visit -> the organisation the permission is asked on
    who: Callable[[object, object], bool]      # (user, visit) -> whether they are the visit's person for it
    statuses: tuple[str, ...]                 # the visit's states that allow it
    nodes: tuple[str, ...]                    # the flow tasks it belongs to (its inbox entry)
    refusal: str = ""                         # why someone else may not
    conflict: str = ""                        # why not now
    optional: bool = False                    # may be done, but nobody waits for it (not a to-do)


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("visit.check_in", Perm.INSPECT, visit_school, on_team, (S.PLANNED,), ("conduct",),
           gettext_lazy("只有本次检查组成员可以签到。"), gettext_lazy("该检查已签到，不能重复签到。")),
    Action("visit.answer", Perm.INSPECT, visit_school, on_team, EDITABLE, ("conduct",),
           gettext_lazy("只有本次检查组成员可以记录检查结果。"), gettext_lazy("当前状态不能修改检查结果。"),
           optional=True),
    Action("visit.sign", Perm.INSPECT, visit_school, on_team, (S.IN_PROGRESS,), ("conduct",),
           gettext_lazy("只有本次检查组成员可以采集学校签字。"), gettext_lazy("当前状态不能签字。")),
    Action("visit.submit", Perm.INSPECT, visit_school, is_lead, (S.SIGNED, S.RETURNED), ("submit",),
           gettext_lazy("只有检查组组长可以提交检查记录。"), gettext_lazy("当前状态不能提交。")),
    Action("visit.review", Perm.LEAD, visit_organiser, anyone, (S.SUBMITTED,), ("review",),
           gettext_lazy("只有组织机构的督导领导可以审核检查记录。"), gettext_lazy("当前状态不能审核。")),
)}
# The signature completes the conduct task and then the sign task in one transaction (visits.services.visit_sign):
# at rest only `conduct` is open until the record is signed.
# The flow's node -> the action whose permission it carries (workflows.visit builds `.Permission()` from it).
NODE_ACTION = {"conduct": ACTIONS["visit.check_in"], "sign": ACTIONS["visit.sign"],
               "submit": ACTIONS["visit.submit"], "review": ACTIONS["visit.review"]}
TEAM_NODES = ("conduct", "sign")  # routed only to the visit's own team (workflows.visit.TeamView)


def _holds(user, action: Action, visit) -> bool:
    return policy.can(user, action.perm, action.owner(visit)) and action.who(user, visit)


def can(user, name: str, visit) -> Decision:
    """May `user` do action `name` on `visit` now? The refusal says why (403 before 409)."""
    if name == "visit.plan":
        return can_plan(user, visit)
    action = ACTIONS[name]
    if not _holds(user, action, visit):
        return Decision(False, "forbidden", str(action.refusal))
    if visit.status not in action.statuses:
        return Decision(False, "conflict", str(action.conflict))
    return ALLOWED


def can_plan(user, school: Organization) -> Decision:
    """`visit.plan` is asked with the school: whoever inspects or leads it may plan a visit there."""
    if policy.can(user, Perm.INSPECT, school) or policy.can(user, Perm.LEAD, school):
        return ALLOWED
    return Decision(False, "forbidden", _("您无权为该学校安排督导检查。"))


def require(user, name: str, visit) -> None:
    """`can`, raising PermissionDenied (403) or VisitConflict (409) for a refusal."""
    enforce(can(user, name, visit), lambda reason: VisitConflict(reason, code="conflict"))


def actions_for(user, visit) -> list[str]:
    """The actions `user` may take on `visit` now, in the table's order (page buttons, API, tests).

    Only the actions the state allows are asked, and each (permission, person rule) once.
    """
    asked: dict[tuple, bool] = {}
    allowed = []
    for action in (a for a in ACTIONS.values() if visit.status in a.statuses):
        key = (action.perm, action.owner(visit).pk, action.who)
        if key not in asked:
            asked[key] = _holds(user, action, visit)
        if asked[key]:
            allowed.append(action.name)
    return allowed


def todo_nodes(names) -> set[str]:
    """The flow tasks that the allowed actions `names` are waited for in (what the inbox holds)."""
    return {node for name in names if not ACTIONS[name].optional for node in ACTIONS[name].nodes}


def holds(user, name: str, visit) -> bool:
    """Whether the action is the person's, whatever the state (a screen they may open, showing why not now)."""
    return can(user, name, visit).code != "forbidden"
