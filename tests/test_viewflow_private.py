"""viewflow's private API, used only through workflows.viewflow_private: fails loudly when an upgrade moves it."""
from importlib.metadata import version

from viewflow.workflow.nodes import TimerBoundary

from workflows import viewflow_private
from workflows.rectification import DEADLINE_DELAYS, RectificationFlow


def test_viewflow_is_the_version_the_private_accessors_were_written_for():
    assert version("django-viewflow") == viewflow_private.VIEWFLOW_VERSION, (
        "viewflow changed: re-read workflows/viewflow_private.py against the new source, then bump VIEWFLOW_VERSION")


def test_a_nodes_timers_delays_and_permission_are_where_the_accessors_read_them():
    report = RectificationFlow.report
    timers = viewflow_private.timer_boundaries(report)
    assert len(timers) == 3 and all(isinstance(t, TimerBoundary) for t in timers)
    assert {viewflow_private.timer_delay(t) for t in timers} == set(DEADLINE_DELAYS)
    assert callable(getattr(timers[0], "_arm"))
    assert viewflow_private.owner_permission(report) == "organizations.report_for_school"
    assert callable(viewflow_private.owner_permission_obj(report))
    assert viewflow_private.owner_permission(RectificationFlow.close) is None


def test_no_other_module_touches_viewflows_private_attributes():
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    private = re.compile(r"\._(boundary_events|delay|arm|owner_permission(_obj)?)\b")
    offenders = [str(path.relative_to(root)) for app in ("inspections", "workflows", "notifications", "security")
                 for path in (root / app).rglob("*.py")
                 if path.name != "viewflow_private.py" and private.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
