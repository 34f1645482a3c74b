"""The one place that answers access questions.

Views, API, flows, exports and notifications ask here; nobody tests roles by
hand. Answers come from django-guardian grants on organisation objects, which
the organisation services keep in step with memberships.
"""
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_objects_for_user

from .models import Membership, Organization
from .roles import ROLE_PERMS, Perm, Role, full_perm

User = get_user_model()


def can(user, perm: str, organization: Organization | None) -> bool:
    """May `user` exercise `perm` (a Perm codename) on `organization`?"""
    if organization is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.has_perm(full_perm(perm), organization)


def orgs_with(user, perm: str) -> QuerySet[Organization]:
    """Organisations on which `user` holds `perm` (their subtree of reach)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Organization.objects.none()
    return get_objects_for_user(
        user, full_perm(perm), klass=Organization, accept_global_perms=False, with_superuser=False,
    )


def visible_orgs(user) -> QuerySet[Organization]:
    return orgs_with(user, Perm.VIEW)


def visible_schools(user) -> QuerySet[Organization]:
    return visible_orgs(user).filter(kind=Organization.Kind.SCHOOL)


def roles_of(user) -> list[Membership]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Membership.objects.select_related("organization").filter(user=user).order_by("organization__path"))


def users_with_role(role: str, organization: Organization) -> QuerySet:
    """Active users holding `role` at `organization` or any organisation above it."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__role=role,
            memberships__organization_id__in=organization.ancestor_ids(),
        )
        .distinct()
        .order_by("pk")
    )


def users_with_role_at(role: str, organization: Organization) -> QuerySet:
    """Active users holding `role` exactly at `organization` (not inherited)."""
    return User.objects.filter(
        is_active=True, memberships__role=role, memberships__organization=organization
    ).distinct().order_by("pk")


def capabilities(user) -> list[dict]:
    """What the user may do, per membership, for the home page."""
    labels = {
        Perm.VIEW: _("查看"), Perm.MANAGE: _("管理机构与用户"), Perm.INSPECT: _("督导检查、下发整改、复查"),
        Perm.LEAD: _("审核检查、审批延期与销号"), Perm.SCHOOL_SIGN: _("签收整改通知"),
        Perm.SCHOOL_REPORT: _("填报整改报告、申请延期"), Perm.SCHOOL_APPROVE: _("审核本校整改报告"),
    }
    rows = []
    for m in roles_of(user):
        rows.append({
            "membership": m,
            "reach": m.organization.subtree().count(),
            "actions": [labels[p] for p in ROLE_PERMS[m.role] if p != Perm.VIEW],
        })
    return rows


__all__ = [
    "Perm", "Role", "can", "orgs_with", "visible_orgs", "visible_schools",
    "roles_of", "users_with_role", "users_with_role_at", "capabilities",
]
