"""The order draft a leader sees when reviewing a visit: per finding its requirement and deadline, and the
orders those make (thresholds.order_groups), before anything is issued.

The defaults come from the one deadline table (inspections.thresholds); the preview's dates from the working-day
calendar, counted from today as issuing would.
"""
from dataclasses import dataclass

from django.utils import timezone

from workflows.calendar import SHANGHAI, due_after

from inspections import thresholds


def findings_for_order(visit):
    """A visit's findings that still need an order, in the order they were found."""
    return list(visit.findings.filter(needs_rectification=True, order__isnull=True)
                .select_related("item__section__template").order_by("found_at", "id"))


@dataclass(frozen=True)
class DraftRow:
    finding: object
    default_days: int
    days: object        # what the form shows: the saved or default deadline, or what was typed
    requirement: str
    own_order: bool


@dataclass(frozen=True)
class DraftOrder:
    findings: list
    days: int
    due: object  # the date it would fall due if issued today


def draft_rows(findings, posted=None) -> list[DraftRow]:
    """One row per finding (`findings_for_order`); `posted`: a refused form's values, shown again as typed."""
    rows = []
    for f in findings:
        typed = posted is not None and f"days_{f.pk}" in posted
        rows.append(DraftRow(
            f, thresholds.finding_working_days(f),
            posted.get(f"days_{f.pk}") if typed else thresholds.finding_deadline_days(f),
            posted.get(f"req_{f.pk}", "") if typed else f.requirement,
            posted.get(f"own_{f.pk}") == "on" if typed else f.own_order))
    return rows


def draft_orders(findings) -> list[DraftOrder]:
    now = timezone.now()
    return [DraftOrder(group, days, due_after(now, days).due_at.astimezone(SHANGHAI).date())
            for group in thresholds.order_groups(findings)
            for days in [thresholds.order_working_days(group)]]


def plans_from_form(visit, data) -> list[dict]:
    """The review form's per-finding fields (req_<id>, days_<id>, own_<id>) as plans for visits.visit_review."""
    return [{"finding": f.pk, "requirement": data.get(f"req_{f.pk}", ""), "working_days": data.get(f"days_{f.pk}"),
             "own_order": data.get(f"own_{f.pk}") == "on"}
            for f in findings_for_order(visit) if f"days_{f.pk}" in data or f"req_{f.pk}" in data]
