"""The one entry point of the action policy: may this person do this action on this object now, and if not, why.

`can(user, "visit.sign", visit) -> Decision`, `require(...)` (403 / 409) and `actions_for(user, obj)`. Each
process keeps its own table beside its models (inspections/orders/actions.py, inspections/visits/actions.py,
inspections/clues/actions.py); the action's name says which one answers. Pages, the API, template tags and
the notification table ask here; a process's own services ask their own table (so the packages stay acyclic).
"""
from inspections.clues import actions as clue_actions
from inspections.decision import Decision
from inspections.orders import actions as order_actions
from inspections.visits import actions as visit_actions

POLICIES = {"order": order_actions, "visit": visit_actions, "clue": clue_actions}


def _table(name: str):
    return POLICIES[name.split(".", 1)[0]]


def can(user, name: str, obj, **order_context) -> Decision:
    """`order_context`: an order page's open nodes and claims, read once (`nodes=`, `claimed=`)."""
    return _table(name).can(user, name, obj, **order_context)


def require(user, name: str, obj, **order_context) -> None:
    _table(name).require(user, name, obj, **order_context)


def actions_for(user, obj, **order_context) -> list[str]:
    for table in POLICIES.values():
        if isinstance(obj, table.SUBJECT):
            return table.actions_for(user, obj, **order_context)
    raise TypeError(f"no action table for {type(obj).__name__}")
