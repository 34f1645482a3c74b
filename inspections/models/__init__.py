"""Domain models, one module per area; import from `inspections.models`."""
from .audit import AuditEvent
from .clues import Clue, ClueAccessKey, ClueSettings
from .draws import Conflict, Draw, DrawAssignment
from .checklists import ChecklistItem, ChecklistSection, ChecklistTemplate, Severity
from .evidence import Attachment
from .exports import ExportJob
from .offline import ClientWrite
from .orders import (
    ExtensionRequest, Finding, OrderNumberCounter, Recheck, RectificationOrder, RectificationReport,
)
from .visits import Campaign, Visit, VisitItemResult, VisitTeamMember

__all__ = [
    "AuditEvent", "Attachment", "ClientWrite", "Clue", "ClueAccessKey", "ClueSettings", "Conflict", "Draw", "DrawAssignment", "Campaign", "ChecklistItem", "ChecklistSection", "ChecklistTemplate",
    "ExportJob", "ExtensionRequest", "Finding", "OrderNumberCounter", "Recheck", "RectificationOrder",
    "RectificationReport", "Severity", "Visit", "VisitItemResult", "VisitTeamMember",
]
