"""The one place that answers access questions.

Views, API, flows, exports and notifications ask here; nobody tests roles by
hand. Answers come from django-guardian grants on organisation objects, which
the organisation services keep in step with memberships.
"""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_objects_for_user
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from .models import Membership, Organization
from .roles import ROLE_PERMS, Perm, Role, full_perm

User = get_user_model()


def can(user, perm: str, organization: Organization | None) -> bool:
    """May `user` exercise `perm` (a Perm codename) on `organization`?"""
    if organization is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return _granted(user, perm, organization)


def _granted(user, codename: str, organization: Organization) -> bool:
    """guardian's answer to user.has_perm(perm, organization) — a grant to the user or to one
    of their groups — in one query instead of guardian's two (user grants, then group grants)."""
    ctype = ContentType.objects.get_for_model(Organization)  # a process-wide cache of content types only
    on_object = {"permission": OuterRef("pk"), "content_type": ctype, "object_pk": str(organization.pk)}
    by_user = get_user_obj_perms_model(organization).objects.filter(user=user, **on_object)
    by_group = get_group_obj_perms_model(organization).objects.filter(group__user=user, **on_object)
    return Permission.objects.filter(content_type=ctype, codename=codename).filter(
        Exists(by_user) | Exists(by_group)).exists()


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


def users_by_role_at(roles, organization: Organization) -> dict[str, list]:
    """For each of `roles`, the active users holding it exactly at `organization` (by pk), in one query.

    users_with_role_at(role, organization) for several roles at once.
    """
    found = {role: {} for role in roles}
    memberships = (Membership.objects.select_related("user")
                   .filter(organization=organization, role__in=list(found), user__is_active=True).order_by("user_id"))
    for membership in memberships:
        found[membership.role].setdefault(membership.user_id, membership.user)
    return {role: list(users.values()) for role, users in found.items()}


def capabilities(user) -> list[dict]:
    """What the user may do, per membership, for the home page."""
    labels = {
        Perm.VIEW: _("查看"), Perm.MANAGE: _("管理机构与用户"), Perm.INSPECT: _("督导检查、下发整改、复查"),
        Perm.LEAD: _("审核检查、审批延期与销号"), Perm.SCHOOL_SIGN: _("签收整改通知"),
        Perm.SCHOOL_REPORT: _("填报整改报告、申请延期"), Perm.SCHOOL_APPROVE: _("审核本校整改报告"),
        Perm.UNIT_REPORT: _("填报行动计划任务进展"), Perm.UNIT_APPROVE: _("审核本单位任务进展"),
    }
    rows = []
    for m in roles_of(user):
        rows.append({
            "membership": m,
            "reach": m.organization.subtree().count(),
            "actions": [labels[p] for p in ROLE_PERMS[m.role] if p != Perm.VIEW],
        })
    return rows


# --- the admin screens (organizations/views_admin.py): the tree and the people an admin manages ---------

def managed_orgs(user) -> QuerySet[Organization]:
    """Organisations whose tree and people `user` manages: an admin's subtrees; the operator all of them."""
    if getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser:
        return Organization.objects.all()
    return orgs_with(user, Perm.MANAGE)


def may_place(user, *, organization: Organization, parent: Organization | None) -> bool:
    """May `user` put `organization` (new, or stored and being moved) under `parent` (None: a root)?

    The new parent must be one the user manages, and for a stored organisation the parent it has now too.
    An admin's own root hangs under an organisation above their reach, so they can never move it, make
    it a root or create a root: only superusers (the platform operator) do. Whether the kind fits the
    parent is the model's rule (Organization.clean), not a question of authority.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if parent is None or not can(user, Perm.MANAGE, parent):
        return False
    if organization.pk is None:
        return True
    # The stored parent, not the instance's: a caller may already have assigned the new one.
    stored = Organization.objects.filter(pk=organization.pk).values_list("parent_id", flat=True).first()
    return stored is not None and can(user, Perm.MANAGE, Organization.objects.filter(pk=stored).first())


def may_manage_person(user, person) -> bool:
    """May `user` deactivate `person` or give them a new password?

    Only when every role the person holds lies in the user's reach: a new password for someone who also
    holds a role elsewhere would hand the admin that role. Never oneself (the own password has its own
    page), never the operator's or staff accounts.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active or person.pk == user.pk:
        return False
    if user.is_superuser:
        return True
    if person.is_superuser or person.is_staff:
        return False
    held = Membership.objects.filter(user=person)
    return held.exists() and not held.exclude(organization__in=orgs_with(user, Perm.MANAGE)).exists()


def managed_people(user) -> QuerySet:
    """People holding a role in `user`'s managed subtree (what they hold elsewhere stays out of view)."""
    return User.objects.filter(memberships__organization__in=managed_orgs(user)).distinct()


def _as_pk(value) -> int | None:
    # A URL or query value: ASCII digits within a database integer, else None (a 404, never a 500).
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 2**31 else None


def _one_of(orgs, pk) -> Organization:
    pk = _as_pk(pk)
    org = orgs.filter(pk=pk).first() if pk else None
    if org is None:
        raise Http404
    return org


def get_managed_org_for_user(user, pk) -> Organization:
    """Fetch and authorise in one call: the organisation `pk` if `user` manages it, else Http404."""
    return _one_of(managed_orgs(user), pk)


def get_visible_org_for_user(user, pk) -> Organization:
    """Fetch and authorise in one call: the organisation `pk` if `user` may see it, else Http404."""
    return _one_of(visible_orgs(user), pk)


def get_managed_person_for_user(user, pk):
    """Fetch and authorise in one call: the person `pk` if they hold a role in `user`'s reach, else Http404."""
    pk = _as_pk(pk)
    person = managed_people(user).filter(pk=pk).first() if pk else None
    if person is None:
        raise Http404
    return person


__all__ = [
    "Perm", "Role", "can", "orgs_with", "visible_orgs", "visible_schools",
    "roles_of", "users_with_role", "users_with_role_at", "users_by_role_at", "capabilities",
    "managed_orgs", "may_place", "may_manage_person", "managed_people", "get_managed_org_for_user",
    "get_managed_person_for_user", "get_visible_org_for_user",
]
