"""`{% may "order.sign" order as may_sign %}`: the action policy, asked from a template."""
from django import template

from inspections.orders import actions

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context, action_name: str, order) -> bool:
    """Whether `inspections.orders.actions` lets the page's user do the action now (read once per order and page)."""
    cache = context.get("order_actions")  # the view's own answer, when it passed one
    if cache is None or order.pk not in cache:
        cache = context.render_context.setdefault("order_actions", {})
    if order.pk not in cache:
        cache[order.pk] = set(actions.actions_for(context["request"].user, order))
    return action_name in cache[order.pk]


@register.simple_tag
def prompt(action_name: str) -> str:
    """What the page says a person should do for an action (the policy table's prompt)."""
    return actions.ACTIONS[action_name].prompt
