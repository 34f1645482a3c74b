"""The audit viewer: admins read their subtree's trail, filter it and export it."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .exports import audit_workbook
from .forms import AuditFilterForm
from .selectors import audit_actions, audit_events_for, audit_organizations, may_view_audit
from .services import audit_export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filter_form(request) -> AuditFilterForm:
    if not may_view_audit(request.user):
        raise PermissionDenied
    return AuditFilterForm(request.GET or None, organizations=audit_organizations(request.user),
                           actions=audit_actions(request.user))


@login_required
def audit_list(request):
    form = _filter_form(request)
    events = audit_events_for(request.user, **form.filters())
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "security/audit_list.html", {
        "form": form, "page": page, "query": query.urlencode(),
    })


@login_required
def audit_export_xlsx(request):
    form = _filter_form(request)
    filters = form.filters()
    content, rows = audit_workbook(audit_events_for(request.user, **filters))
    audit_export(user=request.user, what="audit_events", filters=filters, rows=rows)
    response = HttpResponse(content, content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.xlsx"'
    return response
