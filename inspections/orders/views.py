"""Pages of the rectification orders. Thin: selectors fetch and authorise, services write."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import include, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from config.params import IdChoiceField, SupportedDateField
from organizations import policy
from organizations.roles import Perm
from workflows.tasks import TASK_PAGE, tasks_for

from inspections.orders import actions

from inspections.orders import views_evidence
from inspections.orders import services
from inspections.evidence.watermark import is_image, watermarked_response
from inspections.evidence.services import file_response, submit_with_evidence
from inspections.checklists.models import Severity
from inspections.evidence.models import Attachment
from inspections.orders.models import Recheck
from inspections import limits
from inspections.orders.rows import order_rows
from inspections.orders.selectors import (
    get_extension_for_user, get_order_for_user, orders_visible_to, with_working_days_left, working_days_left,
)
from inspections.orders.timeline import order_timeline


class ReportForm(forms.Form):
    measures = forms.CharField(label=gettext_lazy("整改措施"), max_length=limits.REPORT,
                               widget=forms.Textarea(attrs={"rows": 5}))


class RecheckForm(forms.Form):
    # Radios with nothing chosen: a re-check result is a decision the inspector makes, never a default.
    method = forms.ChoiceField(label=gettext_lazy("复查方式"), choices=Recheck.Method.choices, widget=forms.RadioSelect)
    result = forms.ChoiceField(label=gettext_lazy("复查结论"), choices=Recheck.Result.choices, widget=forms.RadioSelect)
    notes = forms.CharField(label=gettext_lazy("复查意见"), required=False, max_length=limits.NOTE,
                            widget=forms.Textarea(attrs={"rows": 3}))


class ExtensionForm(forms.Form):
    requested_deadline = SupportedDateField(label=gettext_lazy("申请延至"),
                                            widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=gettext_lazy("延期理由"), max_length=limits.NOTE,
                             widget=forms.Textarea(attrs={"rows": 3}))


class IssueForm(forms.Form):
    school = IdChoiceField(label=gettext_lazy("学校"), queryset=None)
    description = forms.CharField(label=gettext_lazy("问题描述"), max_length=limits.FINDING,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    severity = forms.ChoiceField(label=gettext_lazy("严重程度"), choices=Severity.choices)
    hazard = forms.BooleanField(label=gettext_lazy("安全隐患"), required=False)
    requirements = forms.CharField(label=gettext_lazy("整改要求"), required=False, max_length=limits.REPORT,
                                   widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = policy.orgs_with(user, Perm.INSPECT).filter(kind="school")


@login_required
def order_list(request):
    orders = with_working_days_left(orders_visible_to(request.user).order_by("-issued_at")[:200])
    return render(request, "inspections/orders/list.html", {
        "orders": orders, "order_rows": order_rows(orders), "tasks": tasks_for(request.user, limit=TASK_PAGE),
        "may_issue": policy.orgs_with(request.user, Perm.INSPECT).filter(kind="school").exists(),
    })


def _rechecks_with_files(order) -> list:
    """The re-checks with their photos; the photos in one query whether or not there are re-checks yet,
    so a page costs the same at every stage."""
    files: dict[int, list] = {}
    for attachment in Attachment.objects.filter(rechecks__order=order).annotate(recheck_id=F("rechecks__id")):
        files.setdefault(attachment.recheck_id, []).append(attachment)
    rechecks = list(order.rechecks.select_related("checked_by"))
    for recheck in rechecks:
        recheck.files = files.get(recheck.pk, [])
    return rechecks


def _detail_context(request, order) -> dict:
    nodes, claimed = actions.open_steps(request.user, order)
    allowed = actions.actions_for(request.user, order, nodes=nodes, claimed=claimed)
    return {
        "order": order, "days_left": working_days_left(order), "order_actions": {order.pk: set(allowed)},
        "next_steps": [a for a in allowed if actions.ACTIONS[a].is_todo],
        "waiting": actions.waiting_for(order, nodes=nodes),
        "findings": order.findings.prefetch_related("attachments"), "pairs": views_evidence.pairs_of(order),
        "reports": order.reports.prefetch_related("attachments").select_related("submitted_by"),
        "rechecks": _rechecks_with_files(order),
        "extensions": order.extensions.select_related("requested_by"),
        "timeline": order_timeline(order),
        "report_form": ReportForm(), "recheck_form": RecheckForm(), "extension_form": ExtensionForm(),
    }


@login_required
def order_detail(request, pk):
    order = get_order_for_user(request.user, pk)
    return render(request, "inspections/orders/detail.html", _detail_context(request, order))


def _act(request, order, action, form=None):
    """Run a service for a page POST; its refusals become messages on the order page."""
    if form is not None and not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("orders:detail", pk=order.pk)
    try:
        action(form.cleaned_data if form is not None else {})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except (PermissionDenied, services.OrderConflict) as exc:
        messages.error(request, str(exc) or _("您无权办理此环节。"))
    else:
        messages.success(request, _handed_off(order))
    return redirect("orders:detail", pk=order.pk)


def _handed_off(order) -> str:
    """What the action did and who has the order now (the action policy's "awaits"), not a bare "submitted"."""
    order.refresh_from_db(fields=["status"])
    if order.status == order.Status.CLOSED:
        return _("已办理，整改通知书已销号。")
    waiting = "；".join(str(a.awaits) for a in actions.waiting_for(order))
    text = _("已办理。整改通知书现为“%(status)s”，等待：%(waiting)s。") if waiting else _("已办理。整改通知书现为“%(status)s”。")
    return text % {"status": order.get_status_display(), "waiting": waiting}


@login_required
@require_POST
def order_sign(request, pk):
    order = get_order_for_user(request.user, pk)
    return _act(request, order, lambda data: services.order_sign(order=order, user=request.user))


@login_required
@require_POST
def order_report(request, pk):
    order = get_order_for_user(request.user, pk)
    files = request.FILES.getlist("files")
    # "after" photos chosen beside a finding answer that finding (its before/after pair)
    paired = [(f, upload) for f in order.findings.all() for upload in request.FILES.getlist(f"after_{f.pk}")]

    def submit(data):
        def report(attachments):
            _pair(attachments[len(files):], [f for f, _upload in paired])
            services.report_submit(order=order, user=request.user, measures=data["measures"], attachments=attachments)
        submit_with_evidence(uploads=files + [u for _f, u in paired], organization=order.school,
                             uploaded_by=request.user, action=report, keep_original=True)
    return _act(request, order, submit, ReportForm(request.POST))


def _pair(attachments, findings) -> None:
    for attachment, finding in zip(attachments, findings):
        attachment.answers_finding = finding
        attachment.save(update_fields=["answers_finding"])


@login_required
@require_POST
def order_recheck(request, pk):
    order = get_order_for_user(request.user, pk)

    def record(data):
        submit_with_evidence(
            uploads=request.FILES.getlist("files"), organization=order.school, uploaded_by=request.user,
            action=lambda atts: services.recheck_record(order=order, user=request.user, attachments=atts, **data))
    return _act(request, order, record, RecheckForm(request.POST))


@login_required
@require_POST
def order_approve(request, pk):
    """The approval the order waits for; the same service the API calls."""
    order = get_order_for_user(request.user, pk)
    return _act(request, order, lambda data: services.approval_decide(
        order=order, user=request.user, decision=request.POST.get("decision", "approve"),
        note=request.POST.get("note", "")))


@login_required
@require_POST
def order_extension(request, pk):
    order = get_order_for_user(request.user, pk)
    return _act(request, order, lambda data: services.extension_request(order=order, user=request.user, **data),
                ExtensionForm(request.POST))


@login_required
@require_POST
def extension_decide(request, pk):
    ext = get_extension_for_user(request.user, pk)
    approve = request.POST.get("approve") == "1"
    return _act(request, ext.order, lambda data: services.extension_decide(
        extension=ext, user=request.user, approve=approve, note=request.POST.get("note", "")))


@login_required
def order_new(request):
    if not policy.orgs_with(request.user, Perm.INSPECT).exists():
        raise PermissionDenied
    form = IssueForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order, _created = services.order_issue_manual(
                school=data["school"], issued_by=request.user, requirements=data["requirements"],
                findings=[{"description": data["description"], "severity": data["severity"],
                           "hazard": data["hazard"]}])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("orders:detail", pk=order.pk)
    return render(request, "inspections/orders/new.html", {"form": form})


@login_required
def attachment_file(request, pk, attachment_pk, thumb=False):
    """Evidence of an order, served only to those who may see the order."""
    order = get_order_for_user(request.user, pk)
    # Only evidence attached to this order: other files of the same school (visits, other orders) stay out of reach.
    linked = Q(findings__order=order) | Q(reports__order=order) | Q(rechecks__order=order)
    attachment = Attachment.objects.filter(linked, pk=attachment_pk).distinct().first()
    if attachment is None:
        raise Http404("no such file")
    if is_image(attachment):  # what people see carries the school, the time and the uploader
        return watermarked_response(attachment, thumb=thumb)
    return file_response(attachment, thumb=thumb)


page_urls = [
    path("", order_list, name="list"),
    path("new/", order_new, name="new"),
    path("<int:pk>/", order_detail, name="detail"),
    path("<int:pk>/sign/", order_sign, name="sign"),
    path("<int:pk>/report/", order_report, name="report"),
    path("<int:pk>/recheck/", order_recheck, name="recheck"),
    path("<int:pk>/approve/", order_approve, name="approve"),
    path("<int:pk>/extension/", order_extension, name="extension"),
    path("extensions/<int:pk>/decide/", extension_decide, name="extension-decide"),
    path("<int:pk>/files/<int:attachment_pk>/", attachment_file, name="file"),
    path("<int:pk>/files/<int:attachment_pk>/thumb/", attachment_file, {"thumb": True}, name="thumb"),
    path("<int:pk>/files/<int:attachment_pk>/original/", views_evidence.original, name="original"),
    path("<int:pk>/files/<int:attachment_pk>/verify/", views_evidence.check, name="verify"),
]
urls = include((page_urls, "orders"))
