"""Every use of viewflow's private (underscore) API, in one place.

viewflow 2 keeps a node's boundary events, a timer's delay and arming, and a
node's owner permission in underscore attributes. The flows need them (timers
re-armed after an extension, timers cancelled in one UPDATE, tasks routed from
an index), so they are read only here; tests/test_viewflow_private.py fails
loudly when an upgrade changes any of them.
"""
from viewflow.workflow.nodes import TimerBoundary

VIEWFLOW_VERSION = "2.4.0"  # the version these accessors were written against (requirements.txt)


def timer_boundaries(node) -> list:
    """The node's TimerBoundary events (its `.OnTimeout(...)`s)."""
    return [b for b in node._boundary_events if isinstance(b, TimerBoundary)]


def timer_delay(boundary):
    """The callable that says when the boundary's timer fires."""
    return boundary._delay


def arm_timer(boundary, host_activation) -> None:
    """Schedule the boundary's timer for the host task (what viewflow does when the host is created)."""
    boundary._arm(host_activation)


def owner_permission(node) -> str | None:
    """The node's `.Permission(...)` codename ("app.codename"), or None for a node people do not do."""
    return getattr(node, "_owner_permission", None)


def owner_permission_obj(node):
    """The node's `.Permission(obj=...)` callable: process -> the object the permission is on."""
    return getattr(node, "_owner_permission_obj", None)
