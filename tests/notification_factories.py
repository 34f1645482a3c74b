"""Builders of real domain objects for the notification tests (no flows needed)."""
import datetime as dt
import itertools

from django.db.models import Max
from django.utils import timezone

from inspections.models import ChecklistTemplate, ExtensionRequest, RectificationOrder, RectificationReport, Visit
from inspections.visits.models import VisitTeamMember
from workflows.deadlines import deadline_create

_serials = itertools.count(1)


def make_order(*, school, issued_by, issuer=None, severity="general", working_days=10, start=None,
               **fields) -> RectificationOrder:
    """An order as the rectification flow would have issued it, with a real working-day deadline."""
    issuer = issuer or school.nearest("district") or school.nearest("city")
    start = start or timezone.now()
    taken = RectificationOrder.objects.filter(issuer=issuer, year=start.year).aggregate(m=Max("serial"))["m"] or 0
    serial = max(next(_serials), taken + 1)  # past the demo data's own orders (the browser test's server)
    deadline = deadline_create(purpose="rectification", start=start, working_days=working_days)
    return RectificationOrder.objects.create(
        issuer=issuer, year=start.year, serial=serial, number=f"{issuer.doc_prefix or '测'}〔{start.year}〕{serial}号",
        school=school, requirements="按要求整改", severity=severity, deadline=deadline,
        issued_by=issued_by, issued_at=start, **fields,
    )


def make_report(*, order, author, status=RectificationReport.Status.SUBMITTED) -> RectificationReport:
    return RectificationReport.objects.create(order=order, round=order.round, measures="已整改",
                                              status=status, submitted_by=author, submitted_at=timezone.now())


def make_extension(*, order, requester) -> ExtensionRequest:
    return ExtensionRequest.objects.create(order=order, requested_deadline=timezone.localdate() + dt.timedelta(days=30),
                                           reason="设备采购周期长", requested_by=requester, requested_at=timezone.now())


def make_visit(*, school, organiser, team, kind="routine") -> Visit:
    template, _ = ChecklistTemplate.objects.get_or_create(code="T-NOTIFY", version=1, defaults={"title": "测试检查表"})
    visit = Visit.objects.create(school=school, organiser=organiser, kind=kind, template=template,
                                 planned_date=timezone.localdate())
    for index, user in enumerate(team):
        VisitTeamMember.objects.create(visit=visit, user=user, is_lead=index == 0)
    return visit
