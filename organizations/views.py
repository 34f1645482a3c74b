from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from inspections import workspace

from . import access_cache, policy
from .roles import ROLE_PERMS, Perm

# (label, icon, url name, the permissions that make the page useful, any of them; None = everyone with a role)
SHORTCUTS = [
    (_("今日检查"), "assignment", "visits:today", (Perm.INSPECT, Perm.LEAD)),
    (_("整改通知书"), "description", "orders:list", None),
    (_("通知"), "notifications", "notifications:list", None),
    (_("统计与台账"), "insights", "reports:dashboard", None),
    (_("投诉线索"), "support_agent", "clues:list", Perm.LEAD),
    (_("双随机抽查"), "casino", "draws:campaigns", Perm.LEAD),
    (_("学校自查"), "rule", "selfchecks:list", (Perm.LEAD, Perm.INSPECT, Perm.SCHOOL_REPORT)),
    (_("机构与人员"), "account_tree", "orgadmin:orgs", Perm.MANAGE),
]


def shortcuts_for(user) -> list[dict]:
    """The areas the user's roles make useful: home tiles and the shell's menu (templatetags/dudao_menu).
    Kept on the user object, which lives for one request, so the menu and the home page share one read."""
    if hasattr(user, "_dudao_shortcuts"):
        return user._dudao_shortcuts
    # The permissions the user's roles carry, from one read of the memberships (grants follow the roles),
    # cached per user until a membership or grant changes (access_cache).
    held = access_cache.remembered(user, "held-perms", lambda: frozenset(
        p for membership in policy.roles_of(user) for p in ROLE_PERMS[membership.role]))
    rows = []
    for label, icon, name, perm in SHORTCUTS:
        perms = (perm,) if isinstance(perm, str) else perm
        if perms and not held.intersection(perms):
            continue
        try:
            rows.append({"label": label, "icon": icon, "url": reverse(name)})
        except NoReverseMatch:  # an area not installed in this deployment
            continue
    user._dudao_shortcuts = rows
    return rows


@login_required
def home(request):
    user = request.user
    return render(request, "organizations/home.html", {
        "capabilities": policy.capabilities(user),
        "shortcuts": shortcuts_for(user) if policy.roles_of(user) else [],
        "todos": workspace.todos_for(user), "waiting": workspace.waiting_for_others(user),
        "numbers": workspace.leader_numbers(user),
    })
