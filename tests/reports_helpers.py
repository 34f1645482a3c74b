"""Rows for the statistics, ledger and PDF tests, made directly with the ORM (no flow needed)."""
import datetime as dt
import itertools

from django.utils import timezone

from inspections.models import (
    ChecklistItem, ChecklistSection, ChecklistTemplate, Finding, RectificationOrder, Visit,
)
from workflows.deadlines import deadline_create

_serial = itertools.count(1)


def at(day: dt.date, hour=10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def checklist():
    """A template with two sections: A 安全管理 (items A1, A2) and B 教学管理 (item B1)."""
    template = ChecklistTemplate.objects.create(code="T", title="测试检查表")
    sa = ChecklistSection.objects.create(template=template, code="A", title="安全管理", order=1)
    sb = ChecklistSection.objects.create(template=template, code="B", title="教学管理", order=2)
    items = {
        "A1": ChecklistItem.objects.create(section=sa, code="A1", title="消防通道畅通", order=1),
        "A2": ChecklistItem.objects.create(section=sa, code="A2", title="灭火器在有效期内", order=2),
        "B1": ChecklistItem.objects.create(section=sb, code="B1", title="课程表按规定开设", order=1),
    }
    return template, {"A": sa, "B": sb}, items


def make_order(*, school, issuer, issued_by, issued: dt.datetime, days=5, severity="general",
               status="rectifying", closed: dt.datetime | None = None, overdue=False, visit=None,
               requirements="按要求限期整改到位。"):
    serial = next(_serial)
    deadline = deadline_create(purpose="rectification", start=issued, working_days=days)
    return RectificationOrder.objects.create(
        issuer=issuer, year=issued.year, serial=serial,
        number=f"{issuer.doc_prefix or issuer.code}〔{issued.year}〕{serial}号", school=school, visit=visit,
        requirements=requirements, severity=severity, deadline=deadline, issued_by=issued_by, issued_at=issued,
        status="closed" if closed else status, closed_at=closed,
        overdue_count=1 if overdue else 0,
    )


def make_finding(*, school, item, found: dt.datetime, found_by, severity="general", order=None, visit=None,
                 description=None):
    return Finding.objects.create(
        school=school, item=item, found_at=found, found_by=found_by, severity=severity, order=order,
        visit=visit, description=description or f"{item.title if item else ''}不符合要求",
    )


def make_visit(*, school, organiser, template, day: dt.date, checked_in=True, kind="routine", campaign=None):
    return Visit.objects.create(
        school=school, organiser=organiser, template=template, planned_date=day, kind=kind, campaign=campaign,
        status="approved" if checked_in else "planned", checkin_at=at(day, 9) if checked_in else None,
    )


def national_day_data(tree, people):
    """The hand-counted fixture around the Mid-Autumn / National Day holidays of 2026.

    2026-09-25 and 2026-10-01..07 are days off, Saturday 2026-10-10 is a make-up working day.
    O1 SA  issued 09-28, 5 wd → due 10-10, closed 10-09: 4 wd, on time
    O2 SA  issued 09-28, 2 wd → due 09-30, open and overdue, severity major
    O3 SA2 issued 09-24, 5 wd → due 10-09, closed 10-12: 7 wd, late
    O4 SB  issued 09-28, closed 10-08: 3 wd, on time (district B)
    O5 SC  issued 09-29, open, reported and awaiting re-check: not overdue (school directly under the city)
    Findings: F1 SA/A1 2025-10-09 (no order); F2 SA/A1 2026-09-28 → repeat of F1 (within 365 days);
    F3 SA/A2 major; F4 SA2/A1 (other school, no repeat); F5 SB/B1 2025-09-01; F6 SB/B1 2026-09-28
    (392 days after F5 → not a repeat); F7 SC/A2 serious.
    """
    from types import SimpleNamespace

    template, sections, items = checklist()
    d = dt.date
    insp, da, db, city = people.district_inspector, tree.district_a, tree.district_b, tree.city
    o1 = make_order(school=tree.school_a, issuer=da, issued_by=insp, issued=at(d(2026, 9, 28)), days=5,
                    closed=at(d(2026, 10, 9), 16), severity="serious")
    o2 = make_order(school=tree.school_a, issuer=da, issued_by=insp, issued=at(d(2026, 9, 28), 11), days=2,
                    overdue=True, severity="major")
    o3 = make_order(school=tree.school_a2, issuer=da, issued_by=insp, issued=at(d(2026, 9, 24)), days=5,
                    closed=at(d(2026, 10, 12), 16))
    o4 = make_order(school=tree.school_b, issuer=db, issued_by=people.other_district_inspector,
                    issued=at(d(2026, 9, 28)), days=5, closed=at(d(2026, 10, 8), 16))
    o5 = make_order(school=tree.school_c, issuer=city, issued_by=people.city_inspector,
                    issued=at(d(2026, 9, 29)), days=10, severity="serious", status="rechecking")
    f = [
        make_finding(school=tree.school_a, item=items["A1"], found=at(d(2025, 10, 9)), found_by=insp),
        make_finding(school=tree.school_a, item=items["A1"], found=at(d(2026, 9, 28), 9), found_by=insp,
                     severity="serious", order=o1),
        make_finding(school=tree.school_a, item=items["A2"], found=at(d(2026, 9, 28), 9), found_by=insp,
                     severity="major", order=o2),
        make_finding(school=tree.school_a2, item=items["A1"], found=at(d(2026, 9, 24), 9), found_by=insp, order=o3),
        make_finding(school=tree.school_b, item=items["B1"], found=at(d(2025, 9, 1)),
                     found_by=people.other_district_inspector),
        make_finding(school=tree.school_b, item=items["B1"], found=at(d(2026, 9, 28), 9),
                     found_by=people.other_district_inspector, order=o4),
        make_finding(school=tree.school_c, item=items["A2"], found=at(d(2026, 9, 29), 9),
                     found_by=people.city_inspector, severity="serious", order=o5),
    ]
    visits = [
        make_visit(school=tree.school_a, organiser=da, template=template, day=d(2026, 9, 28)),
        make_visit(school=tree.school_b, organiser=db, template=template, day=d(2026, 9, 28)),
        make_visit(school=tree.school_a, organiser=da, template=template, day=d(2026, 10, 20), checked_in=False,
                   kind="surprise"),
    ]
    return SimpleNamespace(template=template, sections=sections, items=items, orders=[o1, o2, o3, o4, o5],
                           findings=f, visits=visits)
