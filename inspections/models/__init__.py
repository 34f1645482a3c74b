"""Domain models, one module per area; import from `inspections.models`."""
from .audit import AuditEvent
from .checklists import ChecklistItem, ChecklistSection, ChecklistTemplate, Severity
from .evidence import Attachment
from .orders import (
    ExtensionRequest, Finding, OrderNumberCounter, Recheck, RectificationOrder, RectificationReport,
)
from .visits import Campaign, Visit, VisitItemResult, VisitTeamMember

__all__ = [
    "AuditEvent", "Attachment", "Campaign", "ChecklistItem", "ChecklistSection", "ChecklistTemplate",
    "ExtensionRequest", "Finding", "OrderNumberCounter", "Recheck", "RectificationOrder",
    "RectificationReport", "Severity", "Visit", "VisitItemResult", "VisitTeamMember",
]
