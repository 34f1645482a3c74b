"""`{% can "visit.sign" visit as may_sign %}`: the one action policy, asked from a visit or clue template.

The order pages keep their `{% may %}` (inspections.templatetags.order_actions); both ask
inspections.actions, which answers visits and clues from their own tables.
"""
from django import template

from inspections import actions

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, action_name: str, obj) -> bool:
    """Whether the page's user may do the action on `obj` now (the policy read once per object and page)."""
    key = (type(obj).__name__, obj.pk)
    cache = context.render_context.setdefault("process_actions", {})
    if key not in cache:
        given = context.get("allowed_actions")  # the view's own answer for its main object, when it passed one
        subject = context.get("subject")
        mine = given is not None and subject is not None and (type(subject).__name__, subject.pk) == key
        cache[key] = set(given) if mine else set(actions.actions_for(context["request"].user, obj))
    return action_name in cache[key]
