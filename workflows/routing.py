"""Which open tasks reach a user: viewflow's task routing, answered from an index.

A human task carries `owner_permission` ("organizations.sign_for_school") and
`owner_permission_obj_pk` (the organisation). viewflow's stock `user_queue`
matches `owner_permission || '_' || obj_pk` against every per-object permission
string the user holds: no index can serve that, it loads all the user's grants
one by one, and its cost grows with the user's reach (a city leader holds
thousands). Here each permission the flow routes by becomes one `= ANY(...)`
probe into a partial index of open tasks (workflows migration 0003).

A node may narrow its audience beyond the permission (`node.audience(user) -> Q`, e.g. the visit's
on-site steps go to the visit's own team only: workflows.visit.TeamView).

Otherwise the answer is the same set as the stock queue for our flows: every human task
has a permission on an organisation, and permissions are granted to groups only
(organizations.services); Django's ModelBackend grants nothing on objects.
"""
from django.db.models import Q

from .viewflow_private import owner_permission


def human_nodes(flow_class) -> list:
    """The flow's nodes that people do (they are routed by a permission)."""
    return [node for node in flow_class.instance.nodes() if owner_permission(node)]


def granted_objects(user, perms: set[str]) -> dict[str, list[str]]:
    """For each permission, the pks (as text, like Task.owner_permission_obj_pk) of the objects the user's groups hold it on."""
    from guardian.models import GroupObjectPermission

    by_codename = {perm.split(".", 1)[1]: perm for perm in perms}
    rows = GroupObjectPermission.objects.filter(
        group__user=user, permission__codename__in=by_codename,
    ).values_list("permission__content_type__app_label", "permission__codename", "object_pk").distinct()
    granted: dict[str, list[str]] = {}
    for app_label, codename, object_pk in rows:
        perm = by_codename[codename]
        if perm == f"{app_label}.{codename}":
            granted.setdefault(perm, []).append(object_pk)
    return granted


def routed_to(user, flow_class) -> Q:
    """Tasks of `flow_class` the user may take: assigned to them, or routed to a permission they hold on the object."""
    return routed_to_any(user, [flow_class])


def routed_to_any(user, flow_classes) -> Q:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    nodes = [node for flow_class in flow_classes for node in human_nodes(flow_class)]
    narrowed = [node for node in nodes if hasattr(node, "audience")]
    routed = Q(owner=user)
    for perm, object_pks in granted_objects(user, {owner_permission(node) for node in nodes}).items():
        held = Q(owner_permission=perm, owner_permission_obj_pk__in=object_pks)
        routed |= held & ~Q(flow_task__in=narrowed) if narrowed else held
        for node in (n for n in narrowed if owner_permission(n) == perm):
            routed |= held & Q(flow_task=node) & node.audience(user)
    return Q(routed, flow_task__in=nodes)
