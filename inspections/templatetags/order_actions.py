"""`{% may "order.sign" order as may_sign %}`: the action policy, asked from a template."""
from django import template

from inspections import actions

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context, action_name: str, order) -> bool:
    """What `inspections.actions.can` answers for the page's user; the open tasks are read once per page."""
    cache = context.render_context.setdefault("order_open_nodes", {})
    if order.pk not in cache:
        cache[order.pk] = actions.open_nodes(order)
    return bool(actions.can(context["request"].user, action_name, order, nodes=cache[order.pk]))


@register.simple_tag
def prompt(action_name: str) -> str:
    """What the page says a person should do for an action (the policy table's prompt)."""
    return actions.ACTIONS[action_name].prompt
