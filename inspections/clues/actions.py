"""Who may act on a clue now, and if not, why: the clue part of the one action policy.

`inspections.actions.can(user, "clue.triage", clue)` dispatches here by the
action's prefix. The clue services refuse through `require()`, the clue page
and the API show and accept `actions_for()`, the template asks `{% may_clue %}`,
and the clue flow (workflows.clue) builds each node's `.Permission()` from this
table, so viewflow's queue routes each task to the same people.

Who does what, all on the clue's district (the city for a school directly under
it; a role held higher up reaches it too):
- register a clue: its leaders or inspectors (asked with the district);
- triage, reply to the complainant and close: its leaders;
- verify (a desk check, or plan the surprise visit): its inspectors.
A school never acts on a clue, nor sees one.

The state comes from the clue's status (written by the flow) and its triage
decision; a refusal says 403 (not yours) before 409 (not now).
"""
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm

from inspections.clues.models import Clue
from inspections.conflicts import ClueConflict
from inspections.decision import ALLOWED, Decision, enforce

SUBJECT = Clue  # what inspections.actions.actions_for hands to this table
S, D = Clue.Status, Clue.Decision


def _triage_blocked(clue) -> str:
    return "" if clue.status == S.REGISTERED else _("该线索已分办。")


def _desk_blocked(clue) -> str:
    if clue.status != S.VERIFYING:
        return _("该线索当前不在核查阶段。")
    return "" if clue.decision == D.DESK_CHECK else _("该线索分办为突击检查，不能书面核查。")


def _visit_blocked(clue) -> str:
    if clue.status != S.VERIFYING:
        return _("该线索当前不在核查阶段。")
    return "" if clue.decision == D.SURPRISE_VISIT and not clue.visit_id else _("该线索不需要安排突击检查。")


def _reply_blocked(clue) -> str:
    """A surprise visit must have happened (checked in) before the complainant is told anything."""
    if clue.status != S.REPLYING:
        return _("该线索当前不能答复。")
    if clue.decision == D.SURPRISE_VISIT and (clue.visit is None or clue.visit.checkin_at is None):
        return _("突击检查尚未开展，暂不能答复。")
    return ""


def _close_blocked(clue) -> str:
    return "" if clue.status == S.REPLIED else _("该线索尚未答复，不能办结。")


@dataclass(frozen=True)
class Action:
    name: str
    perm: str                          # a Perm codename on the clue's district
    blocked: Callable[[object], str]   # clue -> why its state does not allow it now ("" when it does)
    nodes: tuple[str, ...]             # the flow tasks it completes
    refusal: str = ""                  # why someone else may not


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("clue.triage", Perm.LEAD, _triage_blocked, ("triage",), gettext_lazy("只有该区县的督导领导可以分办线索。")),
    Action("clue.verify_desk", Perm.INSPECT, _desk_blocked, ("verify_desk",),
           gettext_lazy("只有该区县的督学可以核查线索。")),
    Action("clue.verify_visit", Perm.INSPECT, _visit_blocked, ("verify_visit",),
           gettext_lazy("只有该区县的督学可以安排核查。")),
    Action("clue.reply", Perm.LEAD, _reply_blocked, ("reply",), gettext_lazy("只有该区县的督导领导可以答复线索。")),
    Action("clue.close", Perm.LEAD, _close_blocked, ("close",), gettext_lazy("只有该区县的督导领导可以办结线索。")),
)}
NODE_ACTION = {node: action for action in ACTIONS.values() for node in action.nodes}



def can(user, name: str, clue) -> Decision:
    """May `user` do action `name` on `clue` now? The refusal says why (403 before 409)."""
    if name == "clue.register":
        return can_register(user, clue)
    action = ACTIONS[name]
    if not policy.can(user, action.perm, clue.district):
        return Decision(False, "forbidden", str(action.refusal))
    if reason := action.blocked(clue):
        return Decision(False, "conflict", reason)
    return ALLOWED


def can_register(user, district: Organization) -> Decision:
    """`clue.register` is asked with the district that will triage the clue."""
    if policy.can(user, Perm.LEAD, district) or policy.can(user, Perm.INSPECT, district):
        return ALLOWED
    return Decision(False, "forbidden", _("您无权登记该区县的线索。"))


def require(user, name: str, clue) -> None:
    """`can`, raising PermissionDenied (403) or ClueConflict (409) for a refusal."""
    enforce(can(user, name, clue), lambda reason: ClueConflict(reason, code="conflict"))


def actions_for(user, clue) -> list[str]:
    """The actions `user` may take on `clue` now, in the table's order; each permission asked once."""
    asked: dict[str, bool] = {}
    allowed = []
    for action in (a for a in ACTIONS.values() if not a.blocked(clue)):
        if action.perm not in asked:
            asked[action.perm] = policy.can(user, action.perm, clue.district)
        if asked[action.perm]:
            allowed.append(action.name)
    return allowed
