"""Reads of performance evaluations. The programme office sees every version, drafts included; anyone
else sees only published versions, and in them only the scorecards of units they see (policy.visible_orgs).
An evaluation with nothing visible to the user is 404."""
from django.db.models import Q, QuerySet

from organizations import policy
from organizations.roles import Perm

from .models import Evaluation, EvaluationVersion, Scorecard
from .selectors import _one

PUBLISHED = EvaluationVersion.Status.PUBLISHED


def _office_q(user, prefix: str) -> Q:
    """Objects of programmes whose issuer the user leads (the office)."""
    return Q(**{f"{prefix}programme__issuer__in": policy.orgs_with(user, Perm.LEAD)})


def scorecards_visible_to(user) -> QuerySet[Scorecard]:
    seen = policy.visible_orgs(user)
    return Scorecard.objects.filter(_office_q(user, "version__evaluation__")
                                    | Q(version__status=PUBLISHED, unit__in=seen))


def versions_visible_to(user) -> QuerySet[EvaluationVersion]:
    shown = scorecards_visible_to(user).filter(version__status=PUBLISHED).values("version")
    return EvaluationVersion.objects.filter(_office_q(user, "evaluation__") | Q(pk__in=shown))


def evaluations_visible_to(user) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(_office_q(user, "") | Q(pk__in=versions_visible_to(user).values("evaluation")))


def get_evaluation_for_user(user, pk) -> Evaluation:
    return _one(evaluations_visible_to(user).select_related("programme__issuer"), pk)


def get_version_for_user(user, pk) -> EvaluationVersion:
    return _one(versions_visible_to(user).select_related("evaluation__programme__issuer"), pk)


def get_scorecard_for_user(user, pk) -> Scorecard:
    return _one(scorecards_visible_to(user).select_related(
        "unit", "version__evaluation__programme__issuer", "comment_by", "comment_reviewed_by"), pk)


def version_to_show(user, evaluation, number=None) -> EvaluationVersion | None:
    """The version asked for (by number) or the newest the user sees."""
    versions = versions_visible_to(user).filter(evaluation=evaluation)
    if number is not None:
        return versions.filter(number=number).first()
    return versions.order_by("-number").first()


def ranking(user, version) -> QuerySet[Scorecard]:
    return (scorecards_visible_to(user).filter(version=version).select_related("unit", "comment_reviewed_by")
            .order_by("level", "rank", "unit__path"))


def published_version(evaluation) -> EvaluationVersion | None:
    """What the public page (一公开) shows: the newest published version, or nothing before publication."""
    return evaluation.versions.filter(status=PUBLISHED).order_by("-number").first()
