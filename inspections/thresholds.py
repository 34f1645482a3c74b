"""The numbers of the rectification process, each stated once.

Deadlines per severity and for hazards, reminder offsets, when the city is
brought in. The flow (workflows.rectification), the services, the
notification table and the consistency checker read them from here; a
checklist template may override the deadline table (its admin-editable
`deadlines` field), nothing else restates it.
"""
import datetime as dt

from inspections.checklists.models import Severity

HAZARD = "hazard"

# Working days from issue to the rectification deadline; a hazard is shortest of all.
DEADLINE_WORKING_DAYS = {Severity.GENERAL: 20, Severity.SERIOUS: 10, Severity.MAJOR: 5, HAZARD: 2}
SEVERITY_RANK = {Severity.GENERAL: 0, Severity.SERIOUS: 1, Severity.MAJOR: 2}

SIGN_REMINDER_WORKING_DAYS = 2       # unsigned this long: the school leader and the district are reminded
DEADLINE_REMINDER_WORKING_DAYS = (3, 1)  # reminders this many working days before the deadline
REMINDER_HOUR = dt.time(9, 0)        # reminders go out at the start of the working day, Shanghai time
RECHECK_SLA_WORKING_DAYS = 5         # the inspector's time to re-check a report

OVERDUES_FOR_CITY = 2                # the second overdue raises the order to the city (挂牌督办)
FAILED_ROUNDS_FOR_CITY = 3           # so does the third failed re-check
CITY_LEVEL = 2                       # escalation_level: 0 none, 1 district, 2 city
DISTRICT_LEVEL = 1


def finding_working_days(finding) -> int:
    """The default deadline of one finding: its template's table where it has one, else ours."""
    template_days = finding.item.section.template.deadlines if finding.item_id else {}
    days = [template_days.get(finding.severity, DEADLINE_WORKING_DAYS[finding.severity])]
    if finding.hazard:
        days.append(template_days.get(HAZARD, DEADLINE_WORKING_DAYS[HAZARD]))
    return min(days)


# The longest deadline an issuer may give one finding (the default table's longest is 20).
MAX_FINDING_WORKING_DAYS = 60


def finding_deadline_days(finding) -> int:
    """The deadline the issuer set for the finding when drafting its order, else its default."""
    return finding.working_days or finding_working_days(finding)


def order_working_days(findings) -> int:
    """An order's deadline: the shortest of its findings' (a hazard is fixed first)."""
    return min(finding_deadline_days(finding) for finding in findings)


def order_groups(findings) -> list[list]:
    """How a reviewed visit's findings go out: one order per deadline, and one per finding marked to go alone,
    so a paperwork finding is not held to a hazard's two working days. Shortest deadline first."""
    by_days: dict[int, list] = {}
    alone = []
    for finding in findings:
        if finding.own_order:
            alone.append([finding])
        else:
            by_days.setdefault(finding_deadline_days(finding), []).append(finding)
    return sorted([*by_days.values(), *alone], key=lambda group: (order_working_days(group), group[0].pk))


def deadline_reminder_due(*, working_days_given: int, working_days_left: int) -> bool:
    """A "deadline near" reminder only once part of the period has passed: with a short deadline the
    reminder's moment falls before the order even reached the school, and telling a school that has just
    signed that its deadline is near says nothing it was not told on the notice itself."""
    return working_days_left < working_days_given


def highest_severity(findings) -> str:
    return max((f.severity for f in findings), key=SEVERITY_RANK.__getitem__)


def needs_city_approval(order) -> bool:
    """A major finding is closed only with the city leader's approval as well."""
    return order.severity == Severity.MAJOR


def overdue_escalation_level(overdue_count: int) -> int:
    """The first overdue is supervised by the district, from the second on by the city."""
    return CITY_LEVEL if overdue_count >= OVERDUES_FOR_CITY else DISTRICT_LEVEL


def city_supervision_due_after_overdue(overdue_count: int) -> bool:
    return overdue_count >= OVERDUES_FOR_CITY


def city_supervision_due_after_rechecks(failed_rounds: int) -> bool:
    return failed_rounds >= FAILED_ROUNDS_FOR_CITY
