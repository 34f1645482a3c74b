"""All of the app's models in one place for Django and for code outside inspections/; code inside imports each model from its own package."""
from inspections.audit.models import AuditEvent
from inspections.clues.models import Clue, ClueAccessKey, ClueSettings
from inspections.campaigns.models import Conflict, Draw, DrawAssignment
from inspections.checklists.models import ChecklistItem, ChecklistSection, ChecklistTemplate, Severity
from inspections.evidence.models import Attachment
from inspections.reports.models import ExportJob
from inspections.idempotency.models import ClientWrite
from inspections.orders.models import (
    ExtensionRequest, Finding, OrderNumberCounter, Recheck, RectificationOrder, RectificationReport,
)
from inspections.visits.models import Campaign, Visit, VisitItemResult, VisitTeamMember

__all__ = [
    "AuditEvent", "Attachment", "ClientWrite", "Clue", "ClueAccessKey", "ClueSettings", "Conflict", "Draw", "DrawAssignment", "Campaign", "ChecklistItem", "ChecklistSection", "ChecklistTemplate",
    "ExportJob", "ExtensionRequest", "Finding", "OrderNumberCounter", "Recheck", "RectificationOrder",
    "RectificationReport", "Severity", "Visit", "VisitItemResult", "VisitTeamMember",
]
