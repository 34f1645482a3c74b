"""Domain models, one module per area; import from `inspections.models`."""
from inspections.models.audit import AuditEvent
from inspections.clues.models import Clue, ClueAccessKey, ClueSettings
from inspections.campaigns.models import Conflict, Draw, DrawAssignment
from inspections.checklists.models import ChecklistItem, ChecklistSection, ChecklistTemplate, Severity
from inspections.evidence.models import Attachment
from inspections.reports.models import ExportJob
from inspections.models.offline import ClientWrite
from inspections.orders.models import (
    ExtensionRequest, Finding, OrderNumberCounter, Recheck, RectificationOrder, RectificationReport,
)
from inspections.visits.models import Campaign, Visit, VisitItemResult, VisitTeamMember

__all__ = [
    "AuditEvent", "Attachment", "ClientWrite", "Clue", "ClueAccessKey", "ClueSettings", "Conflict", "Draw", "DrawAssignment", "Campaign", "ChecklistItem", "ChecklistSection", "ChecklistTemplate",
    "ExportJob", "ExtensionRequest", "Finding", "OrderNumberCounter", "Recheck", "RectificationOrder",
    "RectificationReport", "Severity", "Visit", "VisitItemResult", "VisitTeamMember",
]
