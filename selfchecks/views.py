"""Self-inspection pages: the list (what my school must do, what my bureau asked), a request's board, one
school's self-inspection with its forms, and the self-report agreement table.

Reads through selfchecks.selectors (an invisible object is 404), writes through selfchecks.services; a
refusal or bad input is shown on the page as a message.
"""
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from config.params import BadParameter, date_param, int_param, int_value
from inspections.models import Campaign, ChecklistItem, Severity
from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm

from . import actions, services
from .models import SelfCheckResult
from .selectors import (agreement, board, get_finding_for_user, get_request_for_user, get_selfcheck_for_user,
                        requests_visible_to, selfchecks_visible_to)

app_name = "selfchecks"


def _run(request, call, done: str) -> bool:
    """Call a service; show its refusal or field errors as a message instead of an error page."""
    try:
        call()
    except (ValidationError, PermissionDenied, BadParameter) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        return False
    messages.success(request, done)
    return True


@login_required
def selfcheck_list(request):
    own = policy.orgs_with(request.user, Perm.SCHOOL_REPORT).filter(kind=Organization.Kind.SCHOOL)
    lead = policy.orgs_with(request.user, Perm.LEAD)
    open_campaigns = Campaign.objects.filter(organiser__in=lead, selfcheck_request__isnull=True,
                                             period_end__gte=timezone.localdate()).order_by("-period_start")[:50]
    mine = {s.request_id: s for s in selfchecks_visible_to(request.user).filter(school__in=own)}
    leads = set(lead.values_list("pk", flat=True))
    rows = [(r, mine.get(r.pk), r.campaign.organiser_id in leads)
            for r in requests_visible_to(request.user).order_by("-due_date", "-pk")[:100]]
    return render(request, "selfchecks/list.html", {
        "rows": rows, "school": own.first(), "open_campaigns": open_campaigns,
        "agreement_orgs": policy.orgs_with(request.user, Perm.LEAD).exclude(kind=Organization.Kind.SCHOOL)[:20],
    })


@login_required
@require_POST
def request_create(request):
    lead = policy.orgs_with(request.user, Perm.LEAD)
    campaign = Campaign.objects.filter(pk=int_param(request.POST, "campaign") or 0, organiser__in=lead).first()
    if campaign is None:
        raise Http404("campaign not found")
    _run(request, lambda: services.request_create(campaign=campaign, user=request.user,
                                                  due_date=date_param(request.POST, "due_date") or dt.date.min,
                                                  note=request.POST.get("note", "")), _("已布置学校自查。"))
    return redirect("selfchecks:list")


@login_required
def request_board(request, pk):
    found = get_request_for_user(request.user, pk)
    if not actions.may_request(request.user, found.campaign):
        raise Http404("board not visible")  # schools see their own self-inspection, not the others'
    return render(request, "selfchecks/board.html", {"req": found, "rows": board(found)})


@login_required
@require_POST
def request_start(request, pk):
    found = get_request_for_user(request.user, pk)
    school = policy.orgs_with(request.user, Perm.SCHOOL_REPORT).filter(kind=Organization.Kind.SCHOOL).first()
    if school is None:
        raise Http404("no school")
    made = services.selfcheck_start(request=found, school=school, user=request.user)
    return redirect("selfchecks:detail", pk=made.pk)


@login_required
def detail(request, pk):
    selfcheck = get_selfcheck_for_user(request.user, pk)
    results = {r.item_id: r for r in selfcheck.results.all()}
    items = ChecklistItem.objects.filter(section__template=selfcheck.request.campaign.template).select_related(
        "section").order_by("section__order", "order")
    findings = list(selfcheck.findings.select_related("item"))
    return render(request, "selfchecks/detail.html", {
        "sc": selfcheck, "rows": [(item, results.get(item.pk)) for item in items], "findings": findings,
        "may": actions.actions_for(request.user, selfcheck), "result_choices": SelfCheckResult.Result.choices,
        "severities": Severity.choices,
        "plannable": {f.pk for f in findings if actions.may_plan(request.user, f)},
        "closable": {f.pk for f in findings if actions.may_close(request.user, f)},
    })


def _post_step(call, done: str):
    """A POST form on one self-inspection: call the service with the form's fields, back to the page."""
    @login_required
    @require_POST
    def view(request, pk):
        selfcheck = get_selfcheck_for_user(request.user, pk)
        _run(request, lambda: call(selfcheck, request), done)
        return redirect("selfchecks:detail", pk=selfcheck.pk)
    return view


def _finding_step(call, done: str):
    @login_required
    @require_POST
    def view(request, pk):
        finding = get_finding_for_user(request.user, pk)
        _run(request, lambda: call(finding, request), done)
        return redirect("selfchecks:detail", pk=finding.selfcheck_id)
    return view


def _results(selfcheck, request):
    """The checklist form sends one `result-<item id>` per answered item (and `note-<item id>`)."""
    for key, value in request.POST.items():
        item = int_value(key.removeprefix("result-"), "item", minimum=1) if key.startswith("result-") else None
        if item and value:
            services.result_record(selfcheck=selfcheck, user=request.user, item=item, result=value,
                                   note=request.POST.get(f"note-{item}", ""))


def _finding(selfcheck, request):
    services.finding_record(selfcheck=selfcheck, user=request.user, description=request.POST.get("description", ""),
                            item=int_param(request.POST, "item", minimum=1),
                            severity=request.POST.get("severity") or Severity.GENERAL)


def _submit(selfcheck, request):
    services.selfcheck_submit(selfcheck=selfcheck, user=request.user, summary=request.POST.get("summary", ""))


def _sign(selfcheck, request):
    services.selfcheck_sign(selfcheck=selfcheck, user=request.user, approve=request.POST.get("decision") == "yes",
                            comment=request.POST.get("comment", ""))


def _plan(finding, request):
    due = date_param(request.POST, "plan_due")
    if due is None:
        raise ValidationError({"plan_due": _("请填写计划完成日期。")})
    services.finding_plan(finding=finding, user=request.user, plan=request.POST.get("plan", ""), plan_due=due)


def _close(finding, request):
    services.finding_close(finding=finding, user=request.user, note=request.POST.get("note", ""))


@login_required
def agreement_page(request):
    org = Organization.objects.filter(pk=int_param(request, "organization", minimum=1) or 0).first()
    if org is None or org.is_school or not policy.can(request.user, Perm.VIEW, org):
        raise Http404("organisation not found")
    today = timezone.localdate()
    start = date_param(request, "period_start") or today.replace(month=1, day=1)
    end = date_param(request, "period_end") or today
    stats = agreement(organization=org, period_start=start, period_end=min(max(end, start), today))
    names = dict(Organization.objects.filter(
        pk__in=[r["organization"] for r in stats["schools"] + stats["districts"]]).values_list("pk", "name"))
    return render(request, "selfchecks/agreement.html", {
        "org": org, "start": start, "end": end, "stats": stats, "names": names})


urlpatterns = [
    path("", selfcheck_list, name="list"),
    path("requests/new/", request_create, name="request-create"),
    path("requests/<int:pk>/", request_board, name="board"),
    path("requests/<int:pk>/start/", request_start, name="start"),
    path("agreement/", agreement_page, name="agreement"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/results/", _post_step(_results, gettext_lazy("检查结果已保存。")), name="results"),
    path("<int:pk>/findings/", _post_step(_finding, gettext_lazy("自查问题已记录。")), name="finding"),
    path("<int:pk>/submit/", _post_step(_submit, gettext_lazy("自查报告已提交，等待学校负责人签署。")), name="submit"),
    path("<int:pk>/sign/", _post_step(_sign, gettext_lazy("已办理。")), name="sign"),
    path("findings/<int:pk>/plan/", _finding_step(_plan, gettext_lazy("整改措施已保存。")), name="plan"),
    path("findings/<int:pk>/close/", _finding_step(_close, gettext_lazy("已销号。")), name="close"),
]
