"""Pages for statistics, the ledger, exports, a school's page and the PDF documents. Thin: selectors do the work."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from ops.replica import freshness, statistics_reads

from inspections.reports import charts

from inspections.reports import ledger

from inspections.orders import pdf
from inspections.visits import pdf as visit_pdf_document

from inspections.reports import stats
from inspections.checklists.models import ChecklistSection, Severity
from inspections.orders.models import RectificationOrder
from inspections.visits.selectors import campaigns_in_view, get_visit_for_user


def _filter_or_400(request):
    try:
        return ledger.filter_from_params(request.GET), None
    except ValidationError as exc:
        return None, HttpResponseBadRequest(" ".join(exc.messages))


def _choices(user) -> dict:
    """Options for the filter form: campaigns with visits the user may see, checklist sections, severities."""
    return {
        "campaigns": campaigns_in_view(user)[:50],
        "sections": ChecklistSection.objects.filter(template__is_active=True).order_by("template_id", "order")[:60],
        "severities": Severity.choices, "statuses": RectificationOrder.Status.choices,
    }


def _breakdown_chart(board) -> str:
    rows: dict[str, dict] = {}
    for r in board.breakdown:
        name = r["item__section__title"] or "—"
        rows.setdefault(name, {})[r["severity"]] = r["n"]
    return charts.stacked_chart(list(rows.items()), list(Severity.choices), "findings by section")


@login_required
@require_GET
@statistics_reads()  # the figures, and the page built from them, from the read replica when there is one
def dashboard_view(request):
    flt, error = _filter_or_400(request)
    if error:
        return error
    board = stats.dashboard(request.user, flt)
    # Problems first: units with orders or findings are listed; the quiet ones fold into one line.
    active = [r for r in board.drill if r["total"] or r["findings"]]
    drill_chart = charts.hbar_chart([(r["org"], r["open"]) for r in active], "open orders")
    slow_chart = charts.hbar_chart([(r["school"], r["mean_days"] or 0) for r in board.slowest], "slowest", "")
    return render(request, "inspections/reports/dashboard.html", {
        "board": board, "flt": flt, "drill_active": active,
        "drill_quiet": [r for r in board.drill if not (r["total"] or r["findings"])], "params": ledger.filter_to_params(flt), "drill_chart": drill_chart,
        "slow_chart": slow_chart, "breakdown_chart": _breakdown_chart(board),
        "on_time_pct": None if board.on_time_rate is None else round(board.on_time_rate * 100, 1),
        "freshness": freshness(), **_choices(request.user),
    })


@login_required
@require_GET
@statistics_reads()
def ledger_view(request):
    flt, error = _filter_or_400(request)
    if error:
        return error
    try:
        page = ledger.ledger_page(request.user, flt, request.GET.get("cursor"))
    except ValidationError as exc:
        return HttpResponseBadRequest(" ".join(exc.messages))
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(request, "inspections/reports/ledger.html", {
        "page": page, "flt": flt, "described": ledger.describe_filter(flt), "query": query.urlencode(),
        "params": ledger.filter_to_params(flt), "freshness": freshness(), **_choices(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def exports_view(request):
    if request.method == "POST":
        try:
            job = ledger.export_request(user=request.user, flt=ledger.filter_from_params(request.POST))
        except ValidationError as exc:
            return HttpResponseBadRequest(" ".join(exc.messages))
        return redirect("reports:export", pk=job.pk)
    return render(request, "inspections/reports/exports.html", {"jobs": ledger.exports_of(request.user)[:30]})


@login_required
@require_GET
def export_view(request, pk):
    return render(request, "inspections/reports/export.html", {"job": ledger.get_export_for_user(request.user, pk)})


@login_required
@require_GET
def export_status(request, pk):
    job = ledger.get_export_for_user(request.user, pk)
    done = job.status == job.Status.DONE
    return JsonResponse({
        "id": job.pk, "status": job.status, "status_display": job.get_status_display(), "progress": job.progress,
        "total": job.total, "percent": job.percent, "error": job.error,
        "download_url": reverse("reports:export-download", args=[job.pk]) if done else None,
    })


@login_required
@require_GET
def export_download(request, pk):
    job = ledger.get_export_for_user(request.user, pk)
    if job.status != job.Status.DONE or not job.file:
        return HttpResponse(status=409)
    name = f"整改台账-{job.created_at.astimezone(stats.SHANGHAI):%Y%m%d-%H%M}.xlsx"
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=name)


@login_required
@require_GET
def school_view(request, pk):
    school = stats.get_school_for_user(request.user, pk)
    scores = stats.school_scores(school, timezone.localdate())
    orders = ledger.ledger_orders(request.user, ledger.LedgerFilter(org_id=school.pk))
    return render(request, "inspections/reports/school.html", {
        "school": school, "scores": scores,
        "score_chart": charts.line_chart([(s["label"], s["score"]) for s in scores], "score"),
        "open_orders": orders.exclude(status=RectificationOrder.Status.CLOSED)[:50],
        "history": orders.filter(status=RectificationOrder.Status.CLOSED)[:50],
        "weights": stats.SEVERITY_WEIGHT, "hazard_weight": stats.HAZARD_WEIGHT,
        "late_weight": stats.LATE_ORDER_WEIGHT,
    })


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{filename}"
    return response


@login_required
@require_GET
def order_pdf_view(request, pk):
    order = ledger.get_ledger_order_for_user(request.user, pk)
    return _pdf_response(pdf.order_pdf(order), f"order-{order.pk}.pdf")


@login_required
@require_GET
def visit_pdf_view(request, pk):
    visit = get_visit_for_user(request.user, pk)
    if visit.checkin_at is None:  # nothing to record before the team has checked in
        return HttpResponse(status=409)
    return _pdf_response(visit_pdf_document.visit_pdf(visit), f"visit-{visit.pk}.pdf")
