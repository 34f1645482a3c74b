"""Demo visits for today: a routine and a surprise visit by cq_inspector at 长清职专 (idempotent).

Called from demo.loader.load_demo after the tree, checklist and users exist.
"""
import uuid

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from organizations.models import Organization

from inspections.visits.models import Visit
from inspections.visits.services import current_template, visit_plan

# Fixed client UUIDs make the demo idempotent: a second load returns the visits already planned.
DEMO_VISITS = [
    (uuid.UUID("5d6f0a0e-1c1e-4f7e-9b35-0d0c0a000001"), "routine"),
    (uuid.UUID("5d6f0a0e-1c1e-4f7e-9b35-0d0c0a000002"), "surprise"),
]


@transaction.atomic
def load_demo_visits() -> list[Visit]:
    inspector = get_user_model().objects.get(username="cq_inspector")
    school = Organization.objects.get(code="S-CQZZ")
    template = current_template()
    return [
        visit_plan(school=school, planned_date=timezone.localdate(), lead=inspector, planned_by=inspector,
                   kind=kind, template=template, client_uuid=key)
        for key, kind in DEMO_VISITS
    ]
