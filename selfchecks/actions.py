"""Who may act on a self-inspection: the one home of these rules (answers from organizations.policy).

- the campaign's organiser leaders ask schools to inspect themselves: `lead_organization` on the organiser;
- the school's staff and leader fill the checklist, record and plan problems: `report_for_school`;
- the school leader signs the report and closes self-found problems: `approve_for_school`.
The sign-off flow's `.Permission()` names the same permission on the same school.
"""
from organizations import policy
from organizations.roles import Perm, Role

from .models import SelfCheck, SelfFinding

REQUEST_PERM = Perm.LEAD
FILL_PERM = Perm.SCHOOL_REPORT
SIGN_PERM = Perm.SCHOOL_APPROVE

EDITABLE = (SelfCheck.Status.DRAFT, SelfCheck.Status.RETURNED)


def may_request(user, campaign) -> bool:
    return policy.can(user, REQUEST_PERM, campaign.organiser)


def may_fill(user, selfcheck: SelfCheck) -> bool:
    return selfcheck.status in EDITABLE and policy.can(user, FILL_PERM, selfcheck.school)


def may_start(user, school) -> bool:
    return school.is_school and policy.can(user, FILL_PERM, school)


def may_sign(user, selfcheck: SelfCheck) -> bool:
    return selfcheck.status == SelfCheck.Status.SIGNING and policy.can(user, SIGN_PERM, selfcheck.school)


def may_plan(user, finding: SelfFinding) -> bool:
    return finding.status != SelfFinding.Status.CLOSED and policy.can(user, FILL_PERM, finding.selfcheck.school)


def may_close(user, finding: SelfFinding) -> bool:
    return finding.status == SelfFinding.Status.PLANNED and policy.can(user, SIGN_PERM, finding.selfcheck.school)


def is_school_side(user, school) -> bool:
    """The school's own people (they also see drafts); the bureau sees signed reports only."""
    return policy.can(user, FILL_PERM, school)


def actions_for(user, selfcheck: SelfCheck) -> list[str]:
    """The steps `user` may take now, for the page and the API (same answers as the services)."""
    names = []
    if may_fill(user, selfcheck):
        names += ["fill", "submit"]
    if may_sign(user, selfcheck):
        names.append("sign")
    return names


# --- who is called on (the notification table asks these) --------------------------------------------

def signers(selfcheck: SelfCheck) -> list:
    return list(policy.users_with_role_at(Role.SCHOOL_LEADER, selfcheck.school))


def fillers(selfcheck: SelfCheck) -> list:
    found = policy.users_by_role_at([Role.SCHOOL_STAFF, Role.SCHOOL_LEADER], selfcheck.school)
    return found[Role.SCHOOL_STAFF] + found[Role.SCHOOL_LEADER]
