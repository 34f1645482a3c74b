"""Writes to the organisation tree and memberships, and the guardian grants they imply.

A role held at an organisation reaches every organisation below it, so the
(organisation, role) group holds the role's permissions on each node of the
subtree. Those rows are what viewflow's task queue and `user.has_perm(perm,
org)` read.
"""
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from guardian.models import GroupObjectPermission

from .models import Membership, Organization, RoleGroup
from .roles import ROLE_PERMS


def role_group(*, organization: Organization, role: str) -> Group:
    """The group for (organisation, role), created with its grants on first use."""
    existing = RoleGroup.objects.select_related("group").filter(organization=organization, role=role).first()
    if existing:
        return existing.group
    group, _ = Group.objects.get_or_create(name=f"{organization.code}:{role}")
    RoleGroup.objects.create(organization=organization, role=role, group=group)
    _grant(group, role, organization.subtree())
    return group


def _grant(group: Group, role: str, orgs) -> None:
    orgs = list(orgs)
    for codename in ROLE_PERMS[role]:
        GroupObjectPermission.objects.bulk_assign_perm(codename, group, orgs, ignore_conflicts=True)


def regrant_subtree(organization: Organization) -> None:
    """Recompute every grant on `organization` and below from the groups above each node.

    Used when a node is created or moved; moves are rare, so correctness over speed.
    """
    subtree = list(organization.subtree())
    GroupObjectPermission.objects.filter(
        content_type__app_label="organizations", content_type__model="organization",
        object_pk__in=[str(o.pk) for o in subtree],
    ).delete()
    ancestor_ids = set(organization.ancestor_ids()) | {o.pk for o in subtree}
    for rg in RoleGroup.objects.select_related("group", "organization").filter(organization_id__in=ancestor_ids):
        reached = [o for o in subtree if o.path.startswith(rg.organization.path)]
        _grant(rg.group, rg.role, reached)


@transaction.atomic
def organization_save(*, organization: Organization) -> Organization:
    """Validate and save an organisation, keeping paths and grants of its subtree right."""
    organization.full_clean()
    old_path = organization.path
    organization.save()
    new_path = (organization.parent.path if organization.parent_id else "/") + f"{organization.pk}/"
    if new_path == old_path:
        return organization
    Organization.objects.filter(pk=organization.pk).update(path=new_path)
    if old_path:
        Organization.objects.filter(path__startswith=old_path).exclude(pk=organization.pk).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
        )
    organization.path = new_path
    regrant_subtree(organization)
    return organization


def organization_create(*, code: str, name: str, kind: str, parent: Organization | None = None,
                        **fields) -> Organization:
    return organization_save(organization=Organization(code=code, name=name, kind=kind, parent=parent, **fields))


@transaction.atomic
def membership_grant(*, user, organization: Organization, role: str) -> Membership:
    membership = Membership(user=user, organization=organization, role=role)
    existing = Membership.objects.filter(user=user, organization=organization, role=role).first()
    if existing:
        return existing
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def membership_revoke(*, user, organization: Organization, role: str) -> None:
    deleted, _ = Membership.objects.filter(user=user, organization=organization, role=role).delete()
    if not deleted:
        raise ValidationError("该用户在此机构没有这个角色。")


def sync_user_groups(user) -> None:
    """Make the user's role groups match their memberships exactly."""
    wanted = {
        role_group(organization=m.organization, role=m.role).pk
        for m in Membership.objects.select_related("organization").filter(user=user)
    }
    current = set(user.groups.filter(role_group__isnull=False).values_list("pk", flat=True))
    if wanted - current:
        user.groups.add(*(wanted - current))
    if current - wanted:
        user.groups.remove(*(current - wanted))
    # guardian and viewflow cache permissions on the user object
    for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache", "_viewflow_per_object_perm_cache"):
        user.__dict__.pop(attr, None)
