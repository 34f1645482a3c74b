"""Template helpers of self-inspection, and the visit page's panel of what the school self-reported.

The visit template loads this library, so inspections code never imports selfchecks: the panel asks
selfchecks.selectors with the reader, and shows nothing to someone who may not see the report.
"""
from django import template

from ..selectors import self_reported_for_visit

register = template.Library()


@register.filter
def lookup(mapping, key):
    return (mapping or {}).get(key, "")


@register.inclusion_tag("selfchecks/_visit_panel.html", takes_context=True)
def self_reported(context, visit):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"shown": self_reported_for_visit(user, visit) if user is not None else None}
