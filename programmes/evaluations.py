"""Writes of performance evaluation (绩效评价): create, set the weights, recompute, publish, comment.

Typed keyword-only functions; bad input raises ValidationError naming the field, a refusal PermissionDenied,
a state that does not allow the step ReportConflict (409). A published version is frozen: new weights after
publication make a new draft version, and recomputing or re-weighting a published version is refused.
Publication follows the 双随机 results rule (inspections.draws.results_publish): the office's leader only,
once (a second call changes nothing, writes no second audit event and tells nobody again), audited, then
public; each evaluated unit's leaders are told their result.
"""
import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections.audit.services import audit
from notifications import events

from . import actions, evaluation_inputs, scoring
from .conflicts import ReportConflict
from .models import Evaluation, EvaluationVersion, Scorecard

DRAFT = EvaluationVersion.Status.DRAFT


def _scheme(raw: dict | None) -> dict:
    try:
        return scoring.clean_scheme(raw if raw is not None else scoring.DEFAULT_SCHEME)
    except ValueError as exc:
        raise ValidationError({str(exc): _("请填写 0 至 1000 之间的数字（至少一项权重大于 0）。")}) from exc


def _office_only(user, evaluation) -> None:
    if not actions.may_manage_evaluation(user, evaluation):
        raise PermissionDenied(_("只有计划办的督导领导可以办理绩效评价。"))


@transaction.atomic
def evaluation_create(*, user, programme, title: str, period_start: dt.date, period_end: dt.date,
                      scheme: dict | None = None) -> Evaluation:
    """A new evaluation with version 1 (draft) computed at once."""
    evaluation = Evaluation(programme=programme, title=(title or "").strip(), period_start=period_start,
                            period_end=period_end, created_by=user)
    _office_only(user, evaluation)
    if not evaluation.title:
        raise ValidationError({"title": _("请填写名称。")})
    if period_end < period_start:
        raise ValidationError({"period_end": _("评价期止不能早于评价期起。")})
    cleaned = _scheme(scheme)
    evaluation.save()
    version = EvaluationVersion.objects.create(evaluation=evaluation, number=1, scheme=cleaned)
    compute(version=version)
    audit(actor=user, action="programme.evaluation_create", obj=evaluation, organization=programme.issuer,
          after={"period": [str(period_start), str(period_end)], "scheme": cleaned})
    return evaluation


def _latest(evaluation) -> EvaluationVersion:
    return EvaluationVersion.objects.select_for_update().filter(evaluation=evaluation).order_by("-number").first()


@transaction.atomic
def evaluation_set_weights(*, user, evaluation: Evaluation, scheme: dict, reason: str = "") -> EvaluationVersion:
    """New weights: on the draft in place, or, once the latest version is published, as a new draft version
    (the published one stays exactly as it was). The draft is recomputed with them."""
    _office_only(user, evaluation)
    cleaned, latest = _scheme(scheme), _latest(evaluation)
    if latest.is_published:
        if not (reason or "").strip():
            raise ValidationError({"reason": _("结果已公布，调整权重须说明理由（将生成新版本）。")})
        version = EvaluationVersion.objects.create(evaluation=evaluation, number=latest.number + 1, scheme=cleaned,
                                                   reason=reason.strip())
    else:
        version = latest
        version.scheme, version.reason = cleaned, (reason or "").strip() or version.reason
        version.save(update_fields=["scheme", "reason"])
    compute(version=version)
    audit(actor=user, action="programme.evaluation_weights", obj=version, organization=evaluation.programme.issuer,
          after={"version": version.number, "scheme": cleaned})
    return version


@transaction.atomic
def evaluation_recompute(*, user, version: EvaluationVersion) -> EvaluationVersion:
    """Recompute a draft from today's data; a published version is never recomputed (409)."""
    locked = EvaluationVersion.objects.select_for_update().select_related("evaluation__programme__issuer").get(
        pk=version.pk)
    _office_only(user, locked.evaluation)
    if locked.is_published:
        raise ReportConflict(_("该版本已公布，结果不再改变；如需调整请修改权重生成新版本。"), code="conflict")
    compute(version=locked)
    audit(actor=user, action="programme.evaluation_recompute", obj=locked,
          organization=locked.evaluation.programme.issuer, after={"version": locked.number})
    return locked


def compute(*, version: EvaluationVersion) -> None:
    """(Re)write the draft's scorecards from the data; comments already written on a unit are kept. A unit
    with no input at all (a district without schools, tasks or filings) gets no scorecard: nothing to rank."""
    evaluation = version.evaluation
    units = evaluation_inputs.units_of(evaluation.programme)
    facts = evaluation_inputs.gather(evaluation, units)
    kept = {c.unit_id: c for c in version.scorecards.exclude(comment="")}
    version.scorecards.all().delete()
    cards = []
    for unit in units:
        inputs = evaluation_inputs.inputs_for(unit, units, facts, version.scheme)
        values = {k: v["value"] for k, v in inputs.items()}
        if all(v is None for v in values.values()):
            continue
        cards.append(Scorecard(version=version, unit=unit, level=unit.kind, inputs=inputs, rank=0,
                               score=scoring.score(values, version.scheme["weights"])))
    for level in (Scorecard.Level.DISTRICT, Scorecard.Level.SCHOOL):
        same = [c for c in cards if c.level == level]
        for card, rank in zip(same, scoring.ranks([c.score for c in same])):
            card.rank = rank
    for card in cards:
        _keep_comment(card, kept.get(card.unit_id))
    Scorecard.objects.bulk_create(cards)
    version.computed_at = timezone.now()
    version.save(update_fields=["computed_at"])


def _keep_comment(card: Scorecard, old: Scorecard | None) -> None:
    if old is not None:
        card.comment, card.comment_by_id = old.comment, old.comment_by_id
        card.comment_reviewed_by_id, card.comment_reviewed_at = old.comment_reviewed_by_id, old.comment_reviewed_at


@transaction.atomic
def evaluation_publish(*, user, version: EvaluationVersion) -> EvaluationVersion:
    """Publish the version (frozen from now on); publishing twice changes nothing and audits nothing."""
    locked = EvaluationVersion.objects.select_for_update().select_related("evaluation__programme__issuer").get(
        pk=version.pk)
    _office_only(user, locked.evaluation)
    if locked.is_published:
        return locked
    if locked.computed_at is None:
        raise ValidationError(_("尚未计算，不能公布。"))
    locked.status, locked.published_at, locked.published_by = EvaluationVersion.Status.PUBLISHED, timezone.now(), user
    locked.save(update_fields=["status", "published_at", "published_by"])
    audit(actor=user, action="programme.evaluation_publish", obj=locked,
          organization=locked.evaluation.programme.issuer,
          after={"version": locked.number, "published_at": locked.published_at.isoformat(),
                 "scores": {str(c.unit_id): str(c.score) for c in locked.scorecards.all()}})
    for card in locked.scorecards.select_related("unit"):
        card.version = locked
        events.emit(events.PROGRAMME_EVALUATION_PUBLISHED, target=card, actor=user)
    return locked


def _locked_card(scorecard: Scorecard) -> Scorecard:
    return Scorecard.objects.select_for_update(of=("self",)).select_related(
        "unit", "version__evaluation__programme__issuer").get(pk=scorecard.pk)


@transaction.atomic
def scorecard_comment(*, user, scorecard: Scorecard, text: str) -> Scorecard:
    """A leader's comment on the unit's result; it waits for another office member's review to be shown."""
    card = _locked_card(scorecard)
    if not actions.may_comment(user, card):
        raise PermissionDenied(_("您无权为该单位撰写评语。"))
    if card.version.is_published:  # the published record is frozen, its comments included
        raise ReportConflict(_("该版本已公布，评语不再修改。"), code="conflict")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"comment": _("请填写评语。")})
    before = card.comment
    card.comment, card.comment_by, card.comment_reviewed_by, card.comment_reviewed_at = text, user, None, None
    card.save(update_fields=["comment", "comment_by", "comment_reviewed_by", "comment_reviewed_at"])
    audit(actor=user, action="programme.scorecard_comment", obj=card, organization=card.unit,
          before={"comment": before}, after={"comment": text})
    return card


@transaction.atomic
def scorecard_comment_review(*, user, scorecard: Scorecard) -> Scorecard:
    """Another member of the office confirms the comment (the author never reviews their own)."""
    card = _locked_card(scorecard)
    if not actions.may_review_comment(user, card):
        if not card.comment or card.comment_reviewed_at is not None:
            raise ReportConflict(_("没有待审核的评语。"), code="conflict")
        raise PermissionDenied(_("评语须由撰写人以外的计划办领导审核。"))
    card.comment_reviewed_by, card.comment_reviewed_at = user, timezone.now()
    card.save(update_fields=["comment_reviewed_by", "comment_reviewed_at"])
    audit(actor=user, action="programme.scorecard_comment_review", obj=card, organization=card.unit,
          after={"comment": card.comment})
    return card
