"""Tablet screens for visits. Reads go through inspections.visits.selectors, writes through inspections.visits.services.

The on-site screens save through the JSON API (inspections/visits/api.py) as
each answer is given; the forms here are the few whole-page actions
(submit, review) and the protected media (photos, signature).
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.urls import include, path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inspections import thresholds
from inspections.visits import actions

from inspections.checklists import admin as checklist_admin

from inspections.orders import drafts

from inspections.visits import views_offline
from inspections.visits import offline_state, services
from inspections.evidence.watermark import watermarked_response
from inspections.visits.forms import ChecklistCopyForm, ChecklistItemForm, VisitPlanForm
from inspections.checklists.models import ChecklistTemplate, Severity
from inspections.evidence.models import Attachment
from inspections.visits.models import Visit, VisitItemResult
from inspections.orders.selectors import orders_of_visit
from inspections.orders.drafts import findings_for_order
from inspections.visits.selectors import (
    checklists_visible_to, get_checklist_for_user, get_visit_for_user, may_plan_anywhere, my_open_visits,
    planned_visits_of_my_organisations, todays_visits, visit_counts, visits_to_review,
)


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
    return {"visit": visit, "progress": services.visit_progress(visit), "orders": orders_of_visit(user, visit),
            # the on-site team (offline caching and sync); what each may do now: the policy, via {% can %}
            "on_team": actions.holds(user, "visit.answer", visit), "subject": visit,
            "allowed_actions": actions.actions_for(user, visit), "editable": visit.status in services.EDITABLE,
            "lead": visit.members.filter(is_lead=True).select_related("user").first(),
            "team": visit.members.select_related("user"), **extra}


@login_required
def today(request):
    user = request.user
    return render(request, "inspections/visits/today.html", {
        "today_visits": todays_visits(user), "open_visits": my_open_visits(user),
        "to_review": visits_to_review(user), "counts": visit_counts(user), "may_plan": may_plan_anywhere(user),
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
    if not actions.holds(request.user, "visit.answer", visit):
        raise PermissionDenied
    # a planned visit's checklist is served too: the tablet keeps it for a check-in made offline
    if visit.status not in (*services.EDITABLE, Visit.Status.PLANNED):
        return redirect("visits:detail", pk=visit.pk)
    return render(request, "inspections/visits/conduct.html", _context(
        request, visit, sections=_sections(visit), results=VisitItemResult.Result.choices,
        severities=Severity.choices, loose_findings=visit.findings.filter(item=None), delete_back="conduct"))


@login_required
def sign(request, pk):
    visit = get_visit_for_user(request.user, pk)
    if not actions.holds(request.user, "visit.answer", visit):
        raise PermissionDenied
    return render(request, "inspections/visits/sign.html", _context(request, visit, **offline_state.page_context(
        request.user, visit)))


@login_required
@require_http_methods(["GET", "POST"])
def summary(request, pk):
    visit = get_visit_for_user(request.user, pk)
    if request.method == "POST":
        return _act(request, visit, services.visit_submit, lambda v: _("检查记录已提交，等待%(org)s的督导领导审核。")
                    % {"org": visit.organiser.name},
                    summary=request.POST.get("summary", ""))
    return render(request, "inspections/visits/summary.html", _context(
        request, visit, findings=visit.findings.select_related("item").prefetch_related("attachments"),
        delete_back="summary", **offline_state.page_context(request.user, visit)))


@login_required
@require_http_methods(["GET", "POST"])
def review(request, pk):
    visit = get_visit_for_user(request.user, pk)
    if not actions.holds(request.user, "visit.review", visit):
        raise PermissionDenied
    if request.method == "POST":
        try:
            visit = services.visit_review(visit=visit, user=request.user,
                                          approve=request.POST.get("decision") == "approve",
                                          reason=request.POST.get("reason", ""),
                                          plans=drafts.plans_from_form(visit, request.POST))
        except ValidationError as exc:  # shown on the same page with everything typed kept
            messages.error(request, " ".join(exc.messages))
            return _review_page(request, visit, posted=request.POST, status=400)
        messages.success(request, _review_done(request.user, visit))
        return redirect("visits:detail", pk=visit.pk)
    return _review_page(request, visit)


def _review_page(request, visit, *, posted=None, status=200):
    findings = findings_for_order(visit)  # read once for the rows and the orders they make
    return render(request, "inspections/visits/review.html", _context(
        request, visit, sections=_sections(visit), loose_findings=visit.findings.filter(item=None),
        draft_rows=drafts.draft_rows(findings, posted), draft_orders=drafts.draft_orders(findings),
        max_days=thresholds.MAX_FINDING_WORKING_DAYS, reason=(posted or {}).get("reason", "")), status=status)


def _review_done(user, visit) -> str:
    """What the review did and what happens next: the order it issued (number and link), or the return."""
    if not visit.review_approved:
        return _("已退回检查组修改，检查组会收到通知。")
    orders = list(orders_of_visit(user, visit))
    if not orders:
        return _("审核通过。本次检查没有需要整改的问题，检查已办结。")
    links = format_html_join("、", '<a href="{}">{}</a>', ((reverse("orders:detail", args=[o.pk]), o.number)
                                                           for o in orders))
    return format_html(_("审核通过，已向 {school} 下发整改通知书 {links}，等待学校签收。"),
                       school=visit.school.name, links=links)


def _act(request, visit, service, done, **kwargs):
    """Run a whole-page action; its refusal is shown on the page the user came from. `done` is the
    success message, or a function of the service's result that writes it."""
    try:
        result = service(visit=visit, user=request.user, **kwargs)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(request.path)
    messages.success(request, done(result) if callable(done) else done)
    return redirect("visits:detail", pk=visit.pk)


def _photo_of(request, pk, attachment_pk) -> Attachment:
    visit = get_visit_for_user(request.user, pk)
    attachment = Attachment.objects.filter(pk=attachment_pk, findings__visit=visit).first()
    if attachment is None:
        raise Http404
    return attachment


@login_required
def photo(request, pk, attachment_pk):
    # what people see carries the school, the time and the uploader; the original stays untouched
    return watermarked_response(_photo_of(request, pk, attachment_pk))


@login_required
def photo_thumb(request, pk, attachment_pk):
    return watermarked_response(_photo_of(request, pk, attachment_pk), thumb=True)


@login_required
def signature(request, pk):
    visit = get_visit_for_user(request.user, pk)
    if not visit.representative_signature:
        raise Http404
    return FileResponse(visit.representative_signature.open("rb"), content_type="image/png")


# ---------------------------------------------------------------- planning


def _plan_form(request) -> VisitPlanForm:
    """Bound on POST; on GET the choices made so far travel in the query string (school → its inspectors)."""
    if request.method == "POST":
        return VisitPlanForm(request.POST, user=request.user)
    initial = {k: request.GET[k] for k in ("kind", "school", "planned_date") if request.GET.get(k)}
    return VisitPlanForm(initial=initial, user=request.user)


def _plan_from(form, user):
    data = form.cleaned_data
    return services.visit_plan(
        school=data["school"], planned_date=data["planned_date"], kind=data["kind"], lead=data["lead"],
        members=list(data["members"]), planned_by=user, client_uuid=data.get("client_uuid"))


@login_required
@require_http_methods(["GET", "POST"])
def plan(request):
    if not may_plan_anywhere(request.user):
        raise PermissionDenied
    form = _plan_form(request)
    if form.is_bound and form.is_valid():
        try:
            visit = _plan_from(form, request.user)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已安排 %(school)s %(date)s 的督导检查。") % {
                "school": visit.school.name, "date": visit.planned_date.isoformat()})
            return redirect("visits:plan")
    return render(request, "inspections/visits/plan.html", {
        "form": form, "planned": planned_visits_of_my_organisations(request.user),
    }, status=400 if form.is_bound else 200)


def _form_errors(form, exc: ValidationError) -> None:
    """A service refusal shown on the form: on its field when the form has one, else above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


# ---------------------------------------------------------------- deleting a finding


def _finding_of(request, pk, finding_pk):
    visit = get_visit_for_user(request.user, pk)
    finding = visit.findings.select_related("item").prefetch_related("attachments").filter(pk=finding_pk).first()
    if finding is None:
        raise Http404
    if not actions.holds(request.user, "visit.answer", visit):
        raise PermissionDenied
    return visit, finding


def _back_to(visit, where: str) -> str:
    """Only the visit's own summary or checklist are offered as the way back (no open redirect)."""
    return reverse("visits:summary" if where == "summary" else "visits:conduct", args=[visit.pk])


@login_required
@require_http_methods(["GET", "POST"])
def finding_delete(request, pk, finding_pk):
    visit, finding = _finding_of(request, pk, finding_pk)
    back = _back_to(visit, request.GET.get("back") or request.POST.get("back", ""))
    error = None
    if request.method == "POST":
        try:
            services.finding_delete(finding=finding, user=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("问题已删除。"))
            return redirect(back)
    editable = visit.status in services.EDITABLE
    return render(request, "inspections/visits/finding_delete.html", _context(
        request, visit, f=finding, back=back, back_key=request.GET.get("back", ""), error=error,
    ), status=409 if error or not editable else 200)


# ---------------------------------------------------------------- checklist templates (admins)


@login_required
def checklists(request):
    if not checklist_admin.may_administer_checklists(request.user):
        raise PermissionDenied
    rows = [{"template": t, "in_use": checklist_admin.template_in_use(t),
             "latest": checklist_admin.latest_version(t.code).pk == t.pk,
             "may_edit": checklist_admin.may_manage_template(request.user, t)}
            for t in checklists_visible_to(request.user)]
    return render(request, "inspections/visits/checklists.html", {"rows": rows})


def _item_rows(template: ChecklistTemplate) -> list[dict]:
    return [{"section": s, "items": [{"item": i, "form": ChecklistItemForm(
                initial={"title": i.title, "severity": i.severity, "hazard": i.hazard}, prefix=i.code)}
             for i in s.items.all()]}
            for s in template.sections.prefetch_related("items")]


@login_required
def checklist(request, pk):
    template = get_checklist_for_user(request.user, pk)
    latest = checklist_admin.latest_version(template.code)
    return render(request, "inspections/visits/checklist.html", {
        "template": template, "sections": _item_rows(template), "latest": latest,
        "in_use": checklist_admin.template_in_use(template),
        "may_edit": latest.pk == template.pk and checklist_admin.may_manage_template(request.user, template),
        "copy_form": ChecklistCopyForm(initial={"title": template.title}),
    })


@login_required
@require_http_methods(["POST"])
def checklist_item(request, pk, code):
    template = get_checklist_for_user(request.user, pk)
    form = ChecklistItemForm(request.POST, prefix=code)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(f"{reverse('visits:checklist', args=[template.pk])}#item-{code}")
    try:
        target = checklist_admin.checklist_item_update(template=template, item_code=code, user=request.user,
                                                **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{reverse('visits:checklist', args=[template.pk])}#item-{code}")
    messages.success(request, _checklist_saved_text(template, target))
    return redirect(f"{reverse('visits:checklist', args=[target.pk])}#item-{code}")


def _checklist_saved_text(before: ChecklistTemplate, after: ChecklistTemplate) -> str:
    if before.pk == after.pk:
        return _("已保存。")
    return _("该版本已被检查使用，修改已另存为第 %(v)d 版。") % {"v": after.version}


@login_required
@require_http_methods(["POST"])
def checklist_copy(request, pk):
    template = get_checklist_for_user(request.user, pk)
    form = ChecklistCopyForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        copy = checklist_admin.checklist_copy(template=template, user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("visits:checklist", pk=template.pk)
    messages.success(request, _("已复制为 %(code)s 第 %(v)d 版。") % {"code": copy.code, "v": copy.version})
    return redirect("visits:checklist", pk=copy.pk)


page_urls = [
    path("", today, name="today"),
    path("sw.js", views_offline.service_worker, name="service-worker"),
    path("manifest.webmanifest", views_offline.manifest, name="manifest"),
    path("plan/", plan, name="plan"),
    path("checklists/", checklists, name="checklists"),
    path("checklists/<int:pk>/", checklist, name="checklist"),
    path("checklists/<int:pk>/copy/", checklist_copy, name="checklist-copy"),
    path("checklists/<int:pk>/items/<str:code>/", checklist_item, name="checklist-item"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/record/", record, name="record"),
    path("<int:pk>/conduct/", conduct, name="conduct"),
    path("<int:pk>/check-in/", views_offline.check_in, name="check-in"),
    path("<int:pk>/sign/", sign, name="sign"),
    path("<int:pk>/summary/", summary, name="summary"),
    path("<int:pk>/review/", review, name="review"),
    path("<int:pk>/findings/<int:finding_pk>/delete/", finding_delete, name="finding-delete"),
    path("<int:pk>/photos/<int:attachment_pk>/", photo, name="photo"),
    path("<int:pk>/photos/<int:attachment_pk>/thumb/", photo_thumb, name="photo-thumb"),
    path("<int:pk>/signature.png", signature, name="signature"),
]

urls = include((page_urls, "visits"))
