"""Shared set-up for the visit tests: the standard checklist and a planned visit at school A."""
import base64
import io

from django.utils import timezone
from PIL import Image, ImageDraw

from inspections.checklists.services import checklist_load_standard
from inspections.models import ChecklistItem, VisitItemResult
from inspections.visits.services import finding_record, item_result_record, visit_check_in, visit_plan


def png_bytes(size=(40, 30), drawn=True, fmt="PNG", background=(0, 0, 0, 0)) -> bytes:
    img = Image.new("RGBA", size, background)
    if drawn:
        ImageDraw.Draw(img).line([(2, 2), (size[0] - 3, size[1] - 3)], fill=(0, 0, 0, 255), width=3)
    buf = io.BytesIO()
    img.convert("RGB" if fmt == "JPEG" else "RGBA").save(buf, fmt)
    return buf.getvalue()


def signature_url(drawn=True) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes((300, 120), drawn)).decode()


def plan(people, tree, kind="routine", lead=None, members=None, planned_by=None):
    checklist_load_standard()
    lead = lead or people.district_inspector
    return visit_plan(school=tree.school_a, planned_date=timezone.localdate(), lead=lead,
                      members=members if members is not None else [people.city_inspector],
                      planned_by=planned_by or lead, kind=kind)


def items_of(visit):
    return list(ChecklistItem.objects.filter(section__template=visit.template).order_by("section__order", "order"))


def conduct(visit, user, fail_codes=("A1", "B2")):
    """Check in, answer every item (the listed ones fail, each with a finding)."""
    visit_check_in(visit=visit, user=user, geo_status="ok", latitude=36.55, longitude=116.75, accuracy=12.0)
    findings = []
    for item in items_of(visit):
        failed = item.code in fail_codes
        item_result_record(visit=visit, user=user, item=item,
                           result=VisitItemResult.Result.FAIL if failed else VisitItemResult.Result.PASS)
        if failed:
            findings.append(finding_record(visit=visit, user=user, item=item, description=f"{item.code} 不符合要求"))
    return findings
