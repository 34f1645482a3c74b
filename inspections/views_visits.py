"""Tablet screens for visits. Reads go through selectors_visits, writes through inspections.visits.

The on-site screens save through the JSON API (inspections/api/visits.py) as
each answer is given; the forms here are the few whole-page actions
(submit, review) and the protected media (photos, signature).
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import include, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import visits as services
from .models import Attachment, Severity, VisitItemResult
from .selectors_visits import get_visit_for_user, my_open_visits, todays_visits, visit_counts, visits_to_review


def _sections(visit) -> list[dict]:
    """The checklist with each item's saved answer and findings, for the conduct and record screens."""
    results = {r.item_id: r for r in visit.results.all()}
    findings = {}
    for finding in visit.findings.prefetch_related("attachments"):
        findings.setdefault(finding.item_id, []).append(finding)
    return [{"section": s, "items": [{"item": i, "result": results.get(i.pk), "findings": findings.get(i.pk, [])}
                                     for i in s.items.all()]}
            for s in visit.template.sections.prefetch_related("items")]


def _context(request, visit, **extra) -> dict:
    user = request.user
    return {"visit": visit, "progress": services.visit_progress(visit),
            "may_conduct": services.may_conduct(user, visit), "may_submit": services.may_submit(user, visit),
            "may_review": services.may_review(user, visit), "editable": visit.status in services.EDITABLE,
            "lead": visit.members.filter(is_lead=True).select_related("user").first(),
            "team": visit.members.select_related("user"), **extra}


@login_required
def today(request):
    user = request.user
    return render(request, "inspections/visits/today.html", {
        "today_visits": todays_visits(user), "open_visits": my_open_visits(user),
        "to_review": visits_to_review(user), "counts": visit_counts(user),
    })


@login_required
def detail(request, pk):
    visit = get_visit_for_user(request.user, pk)
    return render(request, "inspections/visits/detail.html", _context(request, visit))


@login_required
def record(request, pk):
    visit = get_visit_for_user(request.user, pk)
    return render(request, "inspections/visits/record.html", _context(
        request, visit, sections=_sections(visit), loose_findings=visit.findings.filter(item=None)))


@login_required
def conduct(request, pk):
    visit = get_visit_for_user(request.user, pk)
    if not services.may_conduct(request.user, visit):
        raise PermissionDenied
    if visit.status not in services.EDITABLE:
        return redirect("visits:detail", pk=visit.pk)
    return render(request, "inspections/visits/conduct.html", _context(
        request, visit, sections=_sections(visit), results=VisitItemResult.Result.choices,
        severities=Severity.choices, loose_findings=visit.findings.filter(item=None)))


@login_required
def sign(request, pk):
    visit = get_visit_for_user(request.user, pk)
    if not services.may_conduct(request.user, visit):
        raise PermissionDenied
    return render(request, "inspections/visits/sign.html", _context(request, visit))


@login_required
@require_http_methods(["GET", "POST"])
def summary(request, pk):
    visit = get_visit_for_user(request.user, pk)
    if request.method == "POST":
        return _act(request, visit, services.visit_submit, _("检查记录已提交审核。"),
                    summary=request.POST.get("summary", ""))
    return render(request, "inspections/visits/summary.html", _context(
        request, visit, findings=visit.findings.select_related("item").prefetch_related("attachments")))


@login_required
@require_http_methods(["GET", "POST"])
def review(request, pk):
    visit = get_visit_for_user(request.user, pk)
    if request.method == "POST":
        return _act(request, visit, services.visit_review, _("审核意见已保存。"),
                    approve=request.POST.get("decision") == "approve", reason=request.POST.get("reason", ""))
    if not services.may_review(request.user, visit):
        raise PermissionDenied
    return render(request, "inspections/visits/review.html", _context(
        request, visit, sections=_sections(visit), loose_findings=visit.findings.filter(item=None)))


def _act(request, visit, service, done: str, **kwargs):
    """Run a whole-page action; its refusal is shown on the page the user came from."""
    try:
        service(visit=visit, user=request.user, **kwargs)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(request.path)
    messages.success(request, done)
    return redirect("visits:detail", pk=visit.pk)


def _photo_of(request, pk, attachment_pk) -> Attachment:
    visit = get_visit_for_user(request.user, pk)
    attachment = Attachment.objects.filter(pk=attachment_pk, findings__visit=visit).first()
    if attachment is None:
        raise Http404
    return attachment


@login_required
def photo(request, pk, attachment_pk):
    attachment = _photo_of(request, pk, attachment_pk)
    return FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)


@login_required
def photo_thumb(request, pk, attachment_pk):
    attachment = _photo_of(request, pk, attachment_pk)
    source = attachment.thumbnail or attachment.file
    return FileResponse(source.open("rb"), content_type="image/jpeg" if attachment.thumbnail else attachment.content_type)


@login_required
def signature(request, pk):
    visit = get_visit_for_user(request.user, pk)
    if not visit.representative_signature:
        raise Http404
    return FileResponse(visit.representative_signature.open("rb"), content_type="image/png")


page_urls = [
    path("", today, name="today"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/record/", record, name="record"),
    path("<int:pk>/conduct/", conduct, name="conduct"),
    path("<int:pk>/sign/", sign, name="sign"),
    path("<int:pk>/summary/", summary, name="summary"),
    path("<int:pk>/review/", review, name="review"),
    path("<int:pk>/photos/<int:attachment_pk>/", photo, name="photo"),
    path("<int:pk>/photos/<int:attachment_pk>/thumb/", photo_thumb, name="photo-thumb"),
    path("<int:pk>/signature.png", signature, name="signature"),
]

urls = include((page_urls, "visits"))
