"""Roles and the object permissions each role carries on organisations.

This table is the single place where a role turns into permissions; the
policy module and the guardian grants both read it.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    LEADER = "leader", _("督导领导")
    INSPECTOR = "inspector", _("督学")
    SCHOOL_LEADER = "school_leader", _("学校负责人")
    SCHOOL_STAFF = "school_staff", _("学校工作人员")
    LIAISON = "liaison", _("任务联络员")
    UNIT_LEADER = "unit_leader", _("责任单位负责人")


class Perm:
    """Codenames of the object permissions on Organization."""

    VIEW = "view_organization"
    MANAGE = "manage_organization"
    INSPECT = "inspect_organization"
    LEAD = "lead_organization"
    SCHOOL_SIGN = "sign_for_school"
    SCHOOL_REPORT = "report_for_school"
    SCHOOL_APPROVE = "approve_for_school"
    UNIT_REPORT = "report_for_unit"
    UNIT_APPROVE = "approve_for_unit"


ROLE_PERMS: dict[str, tuple[str, ...]] = {
    Role.ADMIN: (Perm.VIEW, Perm.MANAGE),
    Role.LEADER: (Perm.VIEW, Perm.LEAD),
    Role.INSPECTOR: (Perm.VIEW, Perm.INSPECT),
    Role.SCHOOL_LEADER: (Perm.VIEW, Perm.SCHOOL_SIGN, Perm.SCHOOL_REPORT, Perm.SCHOOL_APPROVE),
    Role.SCHOOL_STAFF: (Perm.VIEW, Perm.SCHOOL_REPORT),
    Role.LIAISON: (Perm.VIEW, Perm.UNIT_REPORT),
    Role.UNIT_LEADER: (Perm.VIEW, Perm.UNIT_REPORT, Perm.UNIT_APPROVE),
}

AUTHORITY_KINDS = ("province", "city", "district")
SCHOOL_KINDS = ("school",)
# Units that can be responsible for a programme task (programmes/): the authorities and the departments.
UNIT_KINDS = AUTHORITY_KINDS + ("department",)

# Roles that speak for their own unit only: their grants stay on that organisation and do not reach
# below it (a city bureau's task liaison reports for the bureau, not for the departments and schools
# under the city).
OWN_UNIT_ROLES = (Role.LIAISON, Role.UNIT_LEADER)

# Which kinds of organisation may hold each role.
ROLE_KINDS: dict[str, tuple[str, ...]] = {
    Role.ADMIN: AUTHORITY_KINDS + SCHOOL_KINDS,
    Role.LEADER: AUTHORITY_KINDS,
    Role.INSPECTOR: AUTHORITY_KINDS,
    Role.SCHOOL_LEADER: SCHOOL_KINDS,
    Role.SCHOOL_STAFF: SCHOOL_KINDS,
    Role.LIAISON: UNIT_KINDS,
    Role.UNIT_LEADER: UNIT_KINDS,
}


def full_perm(codename: str) -> str:
    return f"organizations.{codename}"
