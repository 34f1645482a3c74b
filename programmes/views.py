"""Programme pages: the list, the board per programme (status, counts, filter), the task with its
reports and the report form, the report with its sign-off / review form, the .xlsx export.

Reads through programmes.selectors (an invisible object is 404), writes through programmes.services;
a refusal is shown on the page.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from workflows.calendar import local_date

from . import actions, services, status
from .board import board, task_row
from .export import task_list_xlsx
from .figures import rows as figure_rows
from .models import Indicator
from .selectors import (board_tasks, filing_requests_visible_to, get_filing_for_user, get_filing_request_for_user,
                        get_programme_for_user, get_report_for_user, get_task_for_user, linked_campaigns,
                        programmes_visible_to, with_reports)
from .selectors import filing_board as filing_board_rows


def _today():
    return local_date(timezone.now())


@login_required
def programme_list(request):
    programmes = programmes_visible_to(request.user).select_related("issuer").prefetch_related("phases")
    return render(request, "programmes/list.html", {"programmes": programmes})


@login_required
def programme_board(request, pk):
    programme = get_programme_for_user(request.user, pk)
    rows, counts = board(board_tasks(request.user, programme), _today())
    wanted = request.GET.get("status", "")
    shown = [r for r in rows if r.status == wanted] if wanted in status.STATUSES else rows
    return render(request, "programmes/board.html", {
        "programme": programme, "phases": programme.phases.all(), "rows": shown, "total": len(rows),
        "counts": [(key, label, counts[key]) for key, label in status.STATUSES.items()],
        "wanted": wanted if wanted in status.STATUSES else "", "today": _today(),
        "filing_requests": filing_requests_visible_to(request.user).filter(programme=programme),
        "campaigns": linked_campaigns(request.user, programme), "checklists": programme.checklists.all(),
    })


@login_required
def programme_export(request, pk):
    programme = get_programme_for_user(request.user, pk)
    data = task_list_xlsx(programme, board_tasks(request.user, programme), _today())
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="programme-{programme.pk}-tasks.xlsx"'
    return response


def _task_context(user, task):
    task = with_reports(type(task).objects.filter(pk=task.pk), user).get()
    return {"task": task, "row": task_row(task, _today()), "reports": task.seen_reports,
            "units": actions.reporting_units(user, task),
            "period_hint": status.default_period(task, _today()).key}


@login_required
def task_detail(request, pk):
    task = get_task_for_user(request.user, pk)
    return render(request, "programmes/task.html", _task_context(request.user, task))


def _posted_values(post, task) -> list[dict]:
    values = []
    for indicator in task.indicators.all():
        key = f"indicator-{indicator.pk}"
        if indicator.kind == Indicator.Kind.NUMBER and post.get(key, "").strip():
            values.append({"indicator": indicator.pk, "value": post[key]})
        elif indicator.kind == Indicator.Kind.MILESTONE:
            values.append({"indicator": indicator.pk, "done": post.get(key) == "yes"})
    return values


@login_required
@require_POST
def task_report(request, pk):
    task = get_task_for_user(request.user, pk)
    units = {str(u.pk): u for u in actions.reporting_units(request.user, task)}
    try:
        report = services.report_submit(
            user=request.user, task=task, narrative=request.POST.get("narrative", ""),
            values=_posted_values(request.POST, task), period=request.POST.get("period", "").strip() or None,
            unit=units.get(request.POST.get("unit", "")), evidence=request.FILES.get("evidence"))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        return redirect("programmes:task", pk=task.pk)
    messages.success(request, _("进展报告已报送，等待单位负责人审核。"))
    return redirect("programmes:report", pk=report.pk)


@login_required
def report_detail(request, pk):
    report = get_report_for_user(request.user, pk)
    return render(request, "programmes/report.html", {
        "report": report, "values": report.values.select_related("indicator").order_by("indicator__seq"),
        "may_sign": actions.may_sign(request.user, report), "may_review": actions.may_review(request.user, report),
    })


@login_required
@require_POST
def report_decide(request, pk):
    report = get_report_for_user(request.user, pk)
    yes, comment = request.POST.get("decision") == "yes", request.POST.get("comment", "")
    decide = services.report_sign if request.POST.get("step") == "sign" else services.report_review
    try:
        if decide is services.report_sign:
            decide(user=request.user, report=report, approve=yes, comment=comment)
        else:
            decide(user=request.user, report=report, accept=yes, comment=comment)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
    else:
        messages.success(request, _("已办理。"))
    return redirect("programmes:report", pk=report.pk)


@login_required
def report_evidence(request, pk):
    report = get_report_for_user(request.user, pk)
    if not report.evidence:
        raise Http404
    return FileResponse(report.evidence.open("rb"), content_type=report.evidence_type or "application/octet-stream",
                        as_attachment=True, filename=report.evidence_name or "evidence")


# ---------------------------------------------------------------- plan filing (备案)


def _filing_state(row, due) -> str:
    latest = row["latest"]
    if latest is None:
        return "missing_late" if _today() > due else "missing"
    return latest.status


FILING_STATES = {"missing": gettext_lazy("未报送"), "missing_late": gettext_lazy("逾期未报送"),
                 "reviewing": gettext_lazy("待审核"), "accepted": gettext_lazy("已备案"),
                 "returned": gettext_lazy("已退回")}


def filing_summary(rows) -> dict:
    """What the board counts at the top: late filings, returned ones waiting for the next round, not filed."""
    return {"late": sum(1 for r in rows if r["latest"] is not None and r["latest"].late),
            "returned": sum(1 for r in rows if r["state"] == "returned"),
            "missing": sum(1 for r in rows if r["latest"] is None)}


@login_required
def filing_board(request, pk):
    filing_request = get_filing_request_for_user(request.user, pk)
    rows = filing_board_rows(request.user, filing_request)
    for row in rows:
        row["state"] = _filing_state(row, filing_request.due_date)
        row["state_label"] = FILING_STATES[row["state"]]
    return render(request, "programmes/filing_board.html", {
        "filing_request": filing_request, "rows": rows, "summary": filing_summary(rows),
        "is_quality": filing_request.kind == filing_request.Kind.QUALITY_REPORT,
        "units": actions.filer_units(request.user, filing_request), "late_now": _today() > filing_request.due_date,
    })


@login_required
@require_POST
def filing_file(request, pk):
    filing_request = get_filing_request_for_user(request.user, pk)
    units = {str(u.pk): u for u in actions.filer_units(request.user, filing_request)}
    filer = units.get(request.POST.get("unit", "")) or (next(iter(units.values())) if len(units) == 1 else None)
    try:
        filing = services.filing_submit(user=request.user, filing_request=filing_request, filer=filer,
                                        document=request.FILES.get("document"),
                                        key_dates=request.POST.get("key_dates", ""),
                                        figures={f["key"]: request.POST.get(f"figure-{f['key']}", "")
                                                 for f in filing_request.figure_spec})
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        return redirect("programmes:filing-board", pk=filing_request.pk)
    messages.success(request, _("已报送，等待审核。"))
    return redirect("programmes:filing", pk=filing.pk)


@login_required
def filing_detail(request, pk):
    filing = get_filing_for_user(request.user, pk)
    return render(request, "programmes/filing.html", {
        "filing": filing, "may_review": actions.may_review_filing(request.user, filing),
        "figures": figure_rows(filing.request.figure_spec, filing.figures)})


@login_required
@require_POST
def filing_decide(request, pk):
    filing = get_filing_for_user(request.user, pk)
    try:
        services.filing_review(user=request.user, filing=filing, accept=request.POST.get("decision") == "yes",
                               comment=request.POST.get("comment", ""))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
    else:
        messages.success(request, _("已办理。"))
    return redirect("programmes:filing", pk=filing.pk)


@login_required
def filing_document(request, pk):
    filing = get_filing_for_user(request.user, pk)
    return FileResponse(filing.document.open("rb"), content_type=filing.document_type or "application/octet-stream",
                        as_attachment=True, filename=filing.document_name or "plan")


app_name = "programmes"
urlpatterns = [
    path("", programme_list, name="list"),
    path("<int:pk>/", programme_board, name="board"),
    path("<int:pk>/export.xlsx", programme_export, name="export"),
    path("tasks/<int:pk>/", task_detail, name="task"),
    path("tasks/<int:pk>/report/", task_report, name="task-report"),
    path("reports/<int:pk>/", report_detail, name="report"),
    path("reports/<int:pk>/decide/", report_decide, name="report-decide"),
    path("reports/<int:pk>/evidence/", report_evidence, name="report-evidence"),
    path("filing-requests/<int:pk>/", filing_board, name="filing-board"),
    path("filing-requests/<int:pk>/file/", filing_file, name="filing-file"),
    path("filings/<int:pk>/", filing_detail, name="filing"),
    path("filings/<int:pk>/decide/", filing_decide, name="filing-decide"),
    path("filings/<int:pk>/document/", filing_document, name="filing-document"),
]
