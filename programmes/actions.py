"""Who may act on a programme's tasks and reports: the one home of these rules.

Every answer comes from organizations.policy (guardian grants on organisations):
- a unit reports on a task it leads or supports: `report_for_unit` on that unit (a task liaison or the
  unit's leader; these roles speak for their own unit only, see organizations.roles.OWN_UNIT_ROLES);
- the unit's leader signs the report off: `approve_for_unit` on the reporting unit;
- the programme office reviews (accepts or returns): `lead_organization` on the programme's issuer.
The report flow's `.Permission()`s name the same permissions on the same organisations.
"""
from organizations import policy
from organizations.roles import Perm, Role

from .models import ProgressReport, ProgrammeTask

REPORT_PERM = Perm.UNIT_REPORT
SIGN_PERM = Perm.UNIT_APPROVE
REVIEW_PERM = Perm.LEAD


def responsible_units(task: ProgrammeTask) -> list:
    """The lead unit first, then the co-units."""
    return [task.lead_unit] + [u for u in task.co_units.all() if u.pk != task.lead_unit_id]


def reporting_units(user, task: ProgrammeTask) -> list:
    """The task's responsible units for which `user` may report."""
    return [unit for unit in responsible_units(task) if policy.can(user, REPORT_PERM, unit)]


def may_report(user, task: ProgrammeTask, unit) -> bool:
    return unit in responsible_units(task) and policy.can(user, REPORT_PERM, unit)


def may_sign(user, report: ProgressReport) -> bool:
    return report.status == ProgressReport.Status.SIGNING and policy.can(user, SIGN_PERM, report.unit)


def may_review(user, report: ProgressReport) -> bool:
    return (report.status == ProgressReport.Status.REVIEWING
            and policy.can(user, REVIEW_PERM, report.task.programme.issuer))


def is_office(user, programme) -> bool:
    """The programme office: the issuer's leaders (they see the whole task list and review)."""
    return policy.can(user, REVIEW_PERM, programme.issuer)


# --- who is called on (the notification table asks these) ---------------------------------------------

def signers(report: ProgressReport) -> list:
    return list(policy.users_with_role_at(Role.UNIT_LEADER, report.unit))


def reviewers(report: ProgressReport) -> list:
    return list(policy.users_with_role_at(Role.LEADER, report.task.programme.issuer))


def unit_people(unit) -> list:
    """A unit's liaisons and leaders: who is chased for a missing report."""
    found = policy.users_by_role_at([Role.LIAISON, Role.UNIT_LEADER], unit)
    return found[Role.LIAISON] + found[Role.UNIT_LEADER]


def supervisors(task: ProgrammeTask) -> list:
    """Who hears a task lags or is overdue: the lead unit's leaders and the programme office."""
    return (list(policy.users_with_role_at(Role.UNIT_LEADER, task.lead_unit))
            + list(policy.users_with_role_at(Role.LEADER, task.programme.issuer)))


# --- plan filing (备案) ---------------------------------------------------------------------------------
# A district files through its leaders, a school through its school leader: people holding the role at the
# filing unit itself (a city leader's reach over a district does not make the city file for it).

FILER_ROLES = (Role.LEADER, Role.SCHOOL_LEADER)


def may_file(user, filing_request, filer) -> bool:
    if not filing_request.filers.filter(pk=filer.pk).exists():
        return False
    return policy.roles_of(user) and any(
        m.organization_id == filer.pk and m.role in FILER_ROLES for m in policy.roles_of(user))


def filer_units(user, filing_request) -> list:
    held = {m.organization_id for m in policy.roles_of(user) if m.role in FILER_ROLES}
    return list(filing_request.filers.filter(pk__in=held).order_by("path"))


def review_office(filing_request, filer):
    """Who reviews a filing: the programme office for an implementation plan; for a quality report the
    filer's own authority (a district reviews its schools; a school under the city, the city)."""
    if filing_request.kind == filing_request.Kind.QUALITY_REPORT:
        return filer.parent
    return filing_request.programme.issuer


def may_review_filing(user, filing) -> bool:
    return (filing.status == filing.Status.REVIEWING
            and policy.can(user, REVIEW_PERM, review_office(filing.request, filing.filer)))


def filer_leaders(filer) -> list:
    found = policy.users_by_role_at(list(FILER_ROLES), filer)
    return found[Role.LEADER] + found[Role.SCHOOL_LEADER]


def filing_reviewers(filing) -> list:
    return list(policy.users_with_role_at(Role.LEADER, review_office(filing.request, filing.filer)))


# --- performance evaluation (绩效评价) --------------------------------------------------------------------
# The city's programme office sets the weights, computes and publishes; a leader who reaches a unit writes
# its scorecard's comment, and another member of the office reviews it before it is shown as published.

def may_manage_evaluation(user, evaluation) -> bool:
    return is_office(user, evaluation.programme)


def may_comment(user, scorecard) -> bool:
    return policy.can(user, REVIEW_PERM, scorecard.unit)


def may_review_comment(user, scorecard) -> bool:
    return (bool(scorecard.comment) and scorecard.comment_reviewed_at is None
            and scorecard.comment_by_id != user.pk and is_office(user, scorecard.version.evaluation.programme))
