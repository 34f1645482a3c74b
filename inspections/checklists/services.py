"""Loading checklist templates from the JSON shape of the standard checklist."""
import json
from pathlib import Path

from django.db import transaction

from inspections.checklists.models import ChecklistItem, ChecklistSection, ChecklistTemplate

STANDARD_CHECKLIST = Path(__file__).parent / "fixtures" / "checklist_standard.json"


@transaction.atomic
def checklist_load(*, data: dict, version: int = 1) -> ChecklistTemplate:
    """Create or update a template from data; idempotent for the same data."""
    template, _ = ChecklistTemplate.objects.update_or_create(
        code=data["code"], version=version,
        defaults={"title": data["title"], "title_en": data.get("title_en", ""),
                  "deadlines": data.get("deadlines_working_days", {})},
    )
    for s_order, sec in enumerate(data["sections"]):
        section, _ = ChecklistSection.objects.update_or_create(
            template=template, code=sec["code"],
            defaults={"title": sec["title"], "title_en": sec.get("title_en", ""), "order": s_order},
        )
        for i_order, item in enumerate(sec["items"]):
            ChecklistItem.objects.update_or_create(
                section=section, code=item["code"],
                defaults={"title": item["title"], "title_en": item.get("title_en", ""),
                          "severity": item.get("severity", "general"),
                          "hazard": bool(item.get("hazard", False)), "order": i_order},
            )
    return template


def checklist_load_standard() -> ChecklistTemplate:
    return checklist_load(data=json.loads(STANDARD_CHECKLIST.read_text(encoding="utf-8")))
