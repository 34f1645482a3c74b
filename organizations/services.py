"""Writes to the organisation tree and memberships, and the guardian grants they imply.

A role held at an organisation reaches every organisation below it, so the
(organisation, role) group holds the role's permissions on each node of the
subtree. Those rows are what viewflow's task queue and `user.has_perm(perm,
org)` read.
"""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _
from guardian.models import GroupObjectPermission

from . import policy
from .models import Membership, Organization, RoleGroup
from .roles import OWN_UNIT_ROLES, ROLE_PERMS, Perm, Role


def role_group(*, organization: Organization, role: str) -> Group:
    """The group for (organisation, role), created with its grants on first use."""
    existing = RoleGroup.objects.select_related("group").filter(organization=organization, role=role).first()
    if existing:
        return existing.group
    group, _ = Group.objects.get_or_create(name=f"{organization.code}:{role}")
    RoleGroup.objects.create(organization=organization, role=role, group=group)
    _grant(group, role, reach_of(organization, role))
    return group


def reach_of(organization: Organization, role: str):
    """Where a role held at `organization` grants its permissions: the subtree, or the unit alone."""
    return [organization] if role in OWN_UNIT_ROLES else organization.subtree()


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
        reached = [o for o in subtree if o.path.startswith(rg.organization.path)
                   and (rg.role not in OWN_UNIT_ROLES or o.pk == rg.organization_id)]
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


# --- what an admin does in their own screens (organizations/views_admin.py) --------------------------
#
# Each write asks organizations.policy first and raises PermissionDenied (with a message for the person)
# or ValidationError (field errors). The audit trail is written by the pages: it lives in inspections,
# which this module may not import (.importlinter).

# What an admin may set on an organisation. The kind and the code are fixed once created: a kind change
# would strand memberships and children, and role groups are named after the code; the operator has /admin/.
ORGANIZATION_FIELDS = ("name", "short_name", "name_en", "doc_prefix", "school_level", "is_active", "parent")


def _only(fields: dict, allowed) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"not editable here: {sorted(unknown)}")


def organization_add(*, actor, parent: Organization | None, kind: str, code: str, name: str,
                     **fields) -> Organization:
    """Create an organisation under `parent`; only a parent the actor manages (None: superusers only)."""
    _only(fields, ORGANIZATION_FIELDS)
    if not policy.may_place(actor, organization=Organization(kind=kind), parent=parent):
        raise PermissionDenied(_("您只能在自己管理的机构下添加下级机构。"))
    return organization_create(code=code, name=name, kind=kind, parent=parent, **fields)


@transaction.atomic
def organization_update(*, actor, organization: Organization, **fields) -> Organization:
    """Change an organisation's names, prefix, level; moving it or switching it on or off is a placement."""
    _only(fields, ORGANIZATION_FIELDS)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)  # the stored row
    if not policy.can(actor, Perm.MANAGE, organization):
        raise PermissionDenied(_("您不能修改这个机构。"))
    # Deactivating one's own root would shut the admin's whole reach: it takes the parent's admin, as a move does.
    placing = any(key in fields and fields[key] != getattr(organization, key) for key in ("parent", "is_active"))
    if placing and not policy.may_place(actor, organization=organization,
                                        parent=fields.get("parent", organization.parent)):
        raise PermissionDenied(_("只有上级机构的管理员才能移动或停用这个机构。"))
    for key, value in fields.items():
        setattr(organization, key, value)
    return organization_save(organization=organization)


def membership_add(*, actor, user, organization: Organization, role: str) -> Membership:
    """Grant `role` at `organization` to `user`; the organisation must be one the actor manages."""
    if not policy.can(actor, Perm.MANAGE, organization):
        raise PermissionDenied(_("您只能在自己管理的机构授予角色。"))
    if role not in Role.values:
        raise ValidationError({"role": _("没有这个角色。")})
    return membership_grant(user=user, organization=organization, role=role)


def membership_remove(*, actor, membership: Membership) -> None:
    if not policy.can(actor, Perm.MANAGE, membership.organization):
        raise PermissionDenied(_("您不能撤销这个机构的角色。"))
    # Removing one's own admin role could leave a subtree nobody below the parent can manage.
    if membership.user_id == actor.pk and membership.role == Role.ADMIN:
        raise PermissionDenied(_("不能撤销自己的管理员角色，请联系上级管理员。"))
    membership_revoke(user=membership.user, organization=membership.organization, role=membership.role)


def _password_checked(password: str, user) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


@transaction.atomic
def person_create(*, actor, username: str, display_name: str, password: str,
                  organization: Organization, role: str):
    """A new account with one role in the actor's reach. The page marks the password as to be changed."""
    if not policy.can(actor, Perm.MANAGE, organization):
        raise PermissionDenied(_("您只能在自己管理的机构添加人员。"))
    user = get_user_model()(username=username, first_name=display_name)
    user.full_clean(exclude=["password"])  # the login's characters, length and uniqueness
    _password_checked(password, user)
    user.set_password(password)
    user.save()
    membership_add(actor=actor, user=user, organization=organization, role=role)
    return user


def _refuse_person(actor, person) -> None:
    """PermissionDenied with the reason, unless the actor may manage the person (policy.may_manage_person)."""
    if policy.may_manage_person(actor, person):
        return
    if person.pk == actor.pk:
        raise PermissionDenied(_("不能对自己的账号这样操作；修改自己的密码请用“修改密码”。"))
    if person.is_superuser or person.is_staff:
        raise PermissionDenied(_("这是系统运维账号，只能由平台运维人员处理。"))
    raise PermissionDenied(_("%(name)s 在您管理范围以外的机构还有角色，您不能停用该账号或重置其密码；"
                             "请联系上级管理员。") % {"name": person.get_full_name() or person.get_username()})


def person_set_active(*, actor, person, active: bool) -> None:
    """Switch an account on or off; switching off voids its sessions and tokens (security.signals)."""
    _refuse_person(actor, person)
    person.is_active = active
    person.save(update_fields=["is_active"])


def person_password_set(*, actor, person, password: str) -> None:
    """A new (temporary) password; the page marks it as to be changed at the next login."""
    _refuse_person(actor, person)
    _password_checked(password, person)
    person.set_password(password)
    person.save(update_fields=["password"])
