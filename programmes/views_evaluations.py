"""绩效评价 pages: a programme's evaluations (and the office's create form), one evaluation at a version
(formula, weights, ranking by level, recompute, publish, export), one scorecard (its inputs and the comment),
and the public page of the published version (一公开, no login).

Reads through programmes.selectors_evaluations (nothing visible is 404), writes through programmes.evaluations.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.params import date_param, int_param

from . import actions, evaluations, scoring
from .evaluation_export import scorecards_pdf, scorecards_xlsx
from .models import Evaluation
from .selectors import get_programme_for_user
from .selectors_evaluations import (evaluations_visible_to, get_evaluation_for_user, get_scorecard_for_user,
                                    get_version_for_user, published_version, ranking, version_to_show,
                                    versions_visible_to)


def _refused(request, exc) -> None:
    messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))


def _scheme_rows(scheme: dict) -> list[dict]:
    return [{"key": key, "label": label, "weight": scheme["weights"].get(key, 0)}
            for key, label in scoring.INPUTS.items()]


@login_required
def evaluation_list(request, pk):
    programme = get_programme_for_user(request.user, pk)
    office = actions.is_office(request.user, programme)
    return render(request, "programmes/evaluations.html", {
        "programme": programme, "office": office,
        "evaluations": evaluations_visible_to(request.user).filter(programme=programme),
        "defaults": _scheme_rows(scoring.DEFAULT_SCHEME)})


def _posted_scheme(post) -> dict:
    return {"weights": {key: post.get(f"w-{key}", "") for key in scoring.INPUTS},
            "severity_points": {k: post.get(f"p-{k}", v) for k, v in scoring.DEFAULT_SCHEME["severity_points"].items()},
            "findings_cap": post.get("findings_cap", scoring.DEFAULT_SCHEME["findings_cap"])}


@login_required
@require_POST
def evaluation_new(request, pk):
    programme = get_programme_for_user(request.user, pk)
    try:
        evaluation = evaluations.evaluation_create(
            user=request.user, programme=programme, title=request.POST.get("title", ""),
            period_start=date_param(request.POST, "period_start", programme.starts_on),
            period_end=date_param(request.POST, "period_end", programme.ends_on),
            scheme=_posted_scheme(request.POST))
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
        return redirect("programmes:evaluations", pk=programme.pk)
    return redirect("programmes:evaluation", pk=evaluation.pk)


def _version_or_404(request, evaluation):
    version = version_to_show(request.user, evaluation, int_param(request, "v", minimum=1))
    if version is None:
        raise Http404
    return version


@login_required
def evaluation_detail(request, pk):
    evaluation = get_evaluation_for_user(request.user, pk)
    version = _version_or_404(request, evaluation)
    cards = list(ranking(request.user, version))
    return render(request, "programmes/evaluation.html", {
        "evaluation": evaluation, "version": version, "office": actions.may_manage_evaluation(request.user, evaluation),
        "versions": versions_visible_to(request.user).filter(evaluation=evaluation).order_by("-number"),
        "scheme": _scheme_rows(version.scheme), "formula": scoring.formula(version.scheme),
        "districts": [c for c in cards if c.level == "district"], "schools": [c for c in cards if c.level == "school"],
        "latest": evaluation.versions.order_by("-number").first()})


@login_required
@require_POST
def evaluation_weights(request, pk):
    evaluation = get_evaluation_for_user(request.user, pk)
    try:
        version = evaluations.evaluation_set_weights(user=request.user, evaluation=evaluation,
                                                     scheme=_posted_scheme(request.POST),
                                                     reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
        return redirect("programmes:evaluation", pk=evaluation.pk)
    messages.success(request, _("已按新权重重新计算（第 %(n)s 版）。") % {"n": version.number})
    return _to_version(version)


def _to_version(version):
    return redirect(f"{reverse('programmes:evaluation', args=[version.evaluation_id])}?v={version.number}")


def _version_step(request, pk, step):
    version = get_version_for_user(request.user, pk)
    try:
        step(user=request.user, version=version)
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("已办理。"))
    return _to_version(version)


@login_required
@require_POST
def version_recompute(request, pk):
    return _version_step(request, pk, evaluations.evaluation_recompute)


@login_required
@require_POST
def version_publish(request, pk):
    return _version_step(request, pk, evaluations.evaluation_publish)


def _download(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def version_export(request, pk, fmt):
    version = get_version_for_user(request.user, pk)
    cards = list(ranking(request.user, version))
    name = f"evaluation-{version.evaluation_id}-v{version.number}"
    if fmt not in ("pdf", "xlsx"):
        raise Http404
    if fmt == "pdf":
        return _download(scorecards_pdf(version, cards), "application/pdf", f"{name}.pdf")
    return _download(scorecards_xlsx(version, cards),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"{name}.xlsx")


@login_required
def scorecard_detail(request, pk):
    card = get_scorecard_for_user(request.user, pk)
    return render(request, "programmes/scorecard.html", {
        "card": card, "version": card.version, "evaluation": card.version.evaluation,
        "rows": [{"key": k, "label": label, "weight": card.version.scheme["weights"].get(k, 0), **card.inputs.get(k, {})}
                 for k, label in scoring.INPUTS.items()],
        "may_comment": actions.may_comment(request.user, card) and not card.version.is_published,
        "may_review": actions.may_review_comment(request.user, card)})


@login_required
@require_POST
def scorecard_comment(request, pk):
    card = get_scorecard_for_user(request.user, pk)
    try:
        if request.POST.get("step") == "review":
            evaluations.scorecard_comment_review(user=request.user, scorecard=card)
        else:
            evaluations.scorecard_comment(user=request.user, scorecard=card, text=request.POST.get("comment", ""))
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("已办理。"))
    return redirect("programmes:scorecard", pk=card.pk)


def evaluation_public(request, pk):
    """一公开: no login; the newest published version only, scores, ranks and reviewed comments."""
    evaluation = Evaluation.objects.filter(pk=pk).select_related("programme__issuer").first()
    version = published_version(evaluation) if evaluation else None
    if version is None:
        raise Http404
    cards = list(version.scorecards.select_related("unit").order_by("level", "rank", "unit__path"))
    return render(request, "programmes/evaluation_public.html", {
        "evaluation": evaluation, "version": version, "scheme": _scheme_rows(version.scheme),
        "formula": scoring.formula(version.scheme),
        "districts": [c for c in cards if c.level == "district"], "schools": [c for c in cards if c.level == "school"]})


urlpatterns = [
    path("<int:pk>/evaluations/", evaluation_list, name="evaluations"),
    path("<int:pk>/evaluations/new/", evaluation_new, name="evaluation-new"),
    path("evaluations/<int:pk>/", evaluation_detail, name="evaluation"),
    path("evaluations/<int:pk>/weights/", evaluation_weights, name="evaluation-weights"),
    path("evaluations/<int:pk>/public/", evaluation_public, name="evaluation-public"),
    path("evaluation-versions/<int:pk>/recompute/", version_recompute, name="version-recompute"),
    path("evaluation-versions/<int:pk>/publish/", version_publish, name="version-publish"),
    path("evaluation-versions/<int:pk>/export.<str:fmt>", version_export, name="version-export"),
    path("scorecards/<int:pk>/", scorecard_detail, name="scorecard"),
    path("scorecards/<int:pk>/comment/", scorecard_comment, name="scorecard-comment"),
]
