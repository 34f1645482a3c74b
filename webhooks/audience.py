"""Which events an endpoint may choose, and whether one event on one object reaches one endpoint.

The bounds are the notifications' own (notifications.rules.school_of: the organisation whose viewers may hear
of the object) and the visits' secrecy rule (inspections.visits.selectors): an endpoint hears an event only
when the object lies inside its organisation's subtree, and a school's endpoint hears what the school's own
people may see — never a surprise or random visit before check-in, never a complaint clue.
"""
from django.utils.translation import gettext_lazy as _

from inspections.models import Clue, Visit
from inspections.visits.selectors import secret_from_school
from notifications import event_names as ev
from notifications.rules import school_of

# The events an integrator may subscribe to: those on orders, visits and clues (reminders to people and the
# programme office's own steps are not integration events).
CATALOGUE = {
    ev.ORDER_ISSUED: _("整改通知书已下发"),
    ev.ORDER_SIGNED: _("整改通知书已签收"),
    ev.ORDER_OVERDUE: _("整改逾期"),
    ev.ORDER_REPORTED: _("整改报告已报送"),
    ev.ORDER_RECHECK_FAILED: _("复查未通过"),
    ev.ORDER_RECHECK_PASSED: _("复查通过"),
    ev.ORDER_ESCALATED: _("提请督办"),
    ev.ORDER_CLOSED: _("已销号"),
    ev.EXTENSION_REQUESTED: _("已申请延期"),
    ev.EXTENSION_DECIDED: _("延期申请已审批"),
    ev.VISIT_ASSIGNED: _("督导检查已安排"),
    ev.VISIT_SUBMITTED: _("检查记录已提交"),
    ev.VISIT_APPROVED: _("检查记录审核通过"),
    ev.VISIT_RETURNED: _("检查记录被退回"),
    ev.CLUE_REGISTERED: _("线索已登记"),
    ev.CLUE_TO_VERIFY: _("线索已分办"),
    ev.CLUE_TO_REPLY: _("线索已核查"),
    ev.CLUE_REPLIED: _("线索已答复"),
}


def reaches(organization, target) -> bool:
    """May an endpoint of `organization` hear of an event on `target`?"""
    scope = school_of(target)
    if scope is None or organization.pk not in scope.ancestor_ids():
        return False
    if organization.is_school:
        if isinstance(target, Clue):
            return False  # complaints are the authorities' business, never the school's
        if isinstance(target, Visit) and secret_from_school(target):
            return False
    return True
