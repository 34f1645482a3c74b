"""`{% source_visit order as visit %}`: the visit an order came from, when the page's user may see it.

A template tag rather than the order view's context because the order package sits below the visit package
(an order is made from a visit's findings) and must not import the visit selectors; the page may.
"""
from django import template

from inspections.visits.selectors import visits_visible_to

register = template.Library()


@register.simple_tag(takes_context=True)
def source_visit(context, order):
    if not order.visit_id:
        return None
    return visits_visible_to(context["request"].user).filter(pk=order.visit_id).first()
