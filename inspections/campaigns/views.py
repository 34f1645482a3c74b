"""双随机 screens: campaigns, the draw form, the draw record page, the conflict register, and the public page.

Reads through the selectors in inspections.campaigns.services (404 for what a user may not
see), writes through its services. The public page (一公开) needs no login and
shows only campaign, schools, dates, team names and the outcome.
"""
import json

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import include, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.params import date_value, decimal_value, int_value
from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm

from inspections.campaigns import services
from inspections.campaigns.models import Conflict, Draw
from inspections.visits.models import Campaign


def _int_or_none(value, name="id"):
    return int_value(value, name)  # config.params: "²" or "1e3" is a 400 (or the form's message), not a 500


def _float_or_none(value, name="percent"):
    return decimal_value(value, name, maximum=100)


@login_required
def campaign_list(request):
    leads = policy.orgs_with(request.user, Perm.LEAD).exclude(kind=Organization.Kind.SCHOOL).order_by("path")
    return render(request, "inspections/draws/campaigns.html", {
        "campaigns": services.campaigns_visible_to(request.user).order_by("-period_start", "-pk"),
        "organisers": leads, "may_manage_conflicts": policy.orgs_with(request.user, Perm.MANAGE).exists(),
    })


@login_required
@require_POST
def campaign_new(request):
    organiser = policy.orgs_with(request.user, Perm.LEAD).filter(pk=_int_or_none(request.POST.get("organiser"))).first()
    start = date_value(request.POST.get("period_start"), "period_start")
    end = date_value(request.POST.get("period_end"), "period_end")
    if organiser is None or start is None or end is None:
        messages.error(request, _("请填写完整的专项检查信息。"))
        return redirect("draws:campaigns")
    try:
        campaign = services.campaign_create(title=request.POST.get("title", ""), organiser=organiser,
                                            user=request.user, period_start=start, period_end=end)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("draws:campaigns")
    return redirect("draws:campaign", pk=campaign.pk)


@login_required
def campaign_detail(request, pk):
    campaign = services.get_campaign_for_user(request.user, pk)
    return render(request, "inspections/draws/campaign.html", {
        "campaign": campaign, "draws": campaign.draws.select_related("created_by", "published_by"),
        "may_draw": services.may_run_draws(request.user, campaign),
        "areas": Organization.objects.filter(path__startswith=campaign.organiser.path).exclude(
            kind=Organization.Kind.SCHOOL).order_by("path"),
        "pool_size": services.target_pool(campaign=campaign).count(),
        "inspectors": services.inspector_pool(campaign=campaign),
        "current": services.current_draw(campaign),
        "may_publish_results": services.may_publish_results(request.user, campaign),
        "publication_due": services.publication_due(campaign),
    })


@login_required
@require_POST
def results_publish(request, pk):
    campaign = services.get_campaign_for_user(request.user, pk)
    try:
        services.results_publish(campaign=campaign, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("检查结果已公布。"))
    return redirect("draws:campaign", pk=campaign.pk)


@login_required
@require_POST
def draw_new(request, pk):
    campaign = services.get_campaign_for_user(request.user, pk)
    under = Organization.objects.filter(pk=_int_or_none(request.POST.get("under"))).first()
    chosen = [i for i in map(_int_or_none, request.POST.getlist("inspectors")) if i]
    inspectors = services.inspector_pool(campaign=campaign)
    if chosen:
        inspectors = inspectors.filter(pk__in=chosen)
    try:
        record = services.draw_create(
            campaign=campaign, user=request.user,
            schools=services.target_pool(campaign=campaign, under=under,
                                         school_level=request.POST.get("school_level", "")),
            inspectors=inspectors, n=_int_or_none(request.POST.get("n")),
            percent=_float_or_none(request.POST.get("percent")),
            team_size=_int_or_none(request.POST.get("team_size")) or 2,
            weighted=request.POST.get("weighted") == "on", seed=request.POST.get("seed", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("draws:campaign", pk=campaign.pk)
    return redirect("draws:draw", pk=record.pk)


def _named_result(record) -> list[dict]:
    names = record.inputs.get("inspector_names", {})
    schools = {t["id"]: t.get("name", t["id"]) for t in record.inputs["targets"]}
    return [{"school": schools.get(row["school"], row["school"]),
             "team": [names.get(str(i), i) for i in row["team"]], "lead": names.get(str(row["lead"]), row["lead"])}
            for row in record.result["assignments"]]


@login_required
def draw_detail(request, pk):
    record = services.get_draw_for_user(request.user, pk)
    return render(request, "inspections/draws/draw.html", {
        "draw": record, "rows": _named_result(record), "reproduces": services.draw_verify(record),
        "inputs_json": json.dumps(record.inputs, ensure_ascii=False, indent=1),
        "may_draw": services.may_run_draws(request.user, record.campaign),
        "superseded_by": Draw.objects.filter(supersedes=record).first(),
    })


def _draw_action(request, pk, service, done: str, **kwargs):
    record = services.get_draw_for_user(request.user, pk)
    try:
        result = service(draw=record, user=request.user, **kwargs)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("draws:draw", pk=record.pk)
    messages.success(request, done)
    return redirect("draws:draw", pk=result.pk)


@login_required
@require_POST
def draw_publish(request, pk):
    return _draw_action(request, pk, services.draw_publish, _("抽取结果已公布，检查已安排。"))


@login_required
@require_POST
def draw_redraw(request, pk):
    return _draw_action(request, pk, services.draw_redraw, _("已重新抽取，请核对后公布。"),
                        reason=request.POST.get("reason", ""))


@login_required
def conflict_list(request):
    managed = policy.orgs_with(request.user, Perm.MANAGE)
    if not managed.exists():
        raise PermissionDenied
    if request.method == "POST":
        school = managed.filter(pk=_int_or_none(request.POST.get("school")), kind=Organization.Kind.SCHOOL).first()
        inspector = get_user_model().objects.filter(pk=_int_or_none(request.POST.get("inspector"))).first()
        try:
            if school is None or inspector is None:
                raise ValidationError(_("请选择督学和学校。"))
            services.conflict_register(inspector=inspector, school=school, reason=request.POST.get("reason", ""),
                                       user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("draws:conflicts")
    return render(request, "inspections/draws/conflicts.html", {
        "conflicts": Conflict.objects.filter(school__in=managed).select_related("inspector", "school"),
        "schools": managed.filter(kind=Organization.Kind.SCHOOL).order_by("path"),
        "inspectors": get_user_model().objects.filter(
            memberships__role="inspector", memberships__organization__in=managed).distinct().order_by("pk"),
    })


@login_required
@require_POST
def conflict_delete(request, pk):
    conflict = Conflict.objects.filter(pk=pk, school__in=policy.orgs_with(request.user, Perm.MANAGE)).first()
    if conflict is None:
        raise Http404
    services.conflict_remove(conflict=conflict, user=request.user)
    return redirect("draws:conflicts")


def public_campaign(request, pk):
    """一公开: no login; only what the public may know."""
    campaign = Campaign.objects.filter(pk=pk, kind="random").select_related("organiser").first()
    results = services.public_results(campaign) if campaign else None
    if results is None:
        raise Http404
    return render(request, "inspections/draws/public.html", {"results": results})


page_urls = [
    path("", campaign_list, name="campaigns"),
    path("new/", campaign_new, name="campaign-new"),
    path("campaigns/<int:pk>/", campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/draw/", draw_new, name="draw-new"),
    path("campaigns/<int:pk>/results/publish/", results_publish, name="results-publish"),
    path("<int:pk>/", draw_detail, name="draw"),
    path("<int:pk>/publish/", draw_publish, name="publish"),
    path("<int:pk>/redraw/", draw_redraw, name="redraw"),
    path("conflicts/", conflict_list, name="conflicts"),
    path("conflicts/<int:pk>/delete/", conflict_delete, name="conflict-delete"),
]
urls = include((page_urls, "draws"))
public_urls = include(([path("<int:pk>/", public_campaign, name="campaign")], "public"))
