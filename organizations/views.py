from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from . import policy
from .roles import Perm

# (label, icon, url name, the permission that makes the page useful; None = everyone with a role)
SHORTCUTS = [
    (_("今日检查"), "assignment", "visits:today", None),
    (_("整改通知书"), "description", "orders:list", None),
    (_("通知"), "notifications", "notifications:list", None),
    (_("统计与台账"), "insights", "reports:dashboard", None),
    (_("投诉线索"), "support_agent", "clues:list", Perm.LEAD),
    (_("双随机抽查"), "casino", "draws:campaigns", Perm.LEAD),
]


def _shortcuts(user) -> list[dict]:
    rows = []
    for label, icon, name, perm in SHORTCUTS:
        if perm and not policy.orgs_with(user, perm).exists():
            continue
        try:
            rows.append({"label": label, "icon": icon, "url": reverse(name)})
        except NoReverseMatch:  # an area not installed in this deployment
            continue
    return rows


@login_required
def home(request):
    return render(request, "organizations/home.html", {
        "capabilities": policy.capabilities(request.user),
        "shortcuts": _shortcuts(request.user) if policy.roles_of(request.user) else [],
    })
