"""The shell's side menu for Dudao's own pages: home and the areas the person's roles make useful.

viewflow's stock app menu lists an application's viewsets and, for an application without any (ours are
plain pages), shows a developer message in red; this menu lists the same shortcuts as the home page.
"""
from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from organizations.views import shortcuts_for

register = template.Library()


@register.simple_tag(takes_context=True)
def dudao_menu_links(context) -> list[dict]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    try:
        home = reverse("dudao:index")
    except NoReverseMatch:  # an error page rendered under another URLconf (a test's, a mounted sub-site)
        home = "/"
    return [{"label": _("工作台"), "icon": "home", "url": home}, *shortcuts_for(user)]
