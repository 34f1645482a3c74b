"""Writes of task supervision: progress reports, their sign-off and review, and the daily 督办 sweep.

Typed keyword-only functions; bad input raises ValidationError (field errors), a refusal
PermissionDenied, a state that does not allow the step ReportConflict. Report status moves only in
the report flow (programmes.flow); notifications go through notifications.events.emit (one notify).
"""
import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections.evidence.services import clean_name, sniff
from inspections.idempotency.services import replay_of
from inspections.audit.services import audit
from inspections.models import Campaign, ChecklistTemplate
from notifications import events
from workflows.calendar import add_working_days, is_working_day, local_date

from . import actions, flow, status, thresholds
from .figures import clean_figures
from .models import Indicator, IndicatorValue, ProgrammeTask, ProgressReport, SupervisionNotice
from .selectors import linked_campaigns, reports_visible_to, with_reports

OPEN = (ProgressReport.Status.SIGNING, ProgressReport.Status.REVIEWING)


def _period(task: ProgrammeTask, key: str | None, today: dt.date) -> status.Period:
    """The named period, or by default the last closed one (the report it chases)."""
    if not key:
        return status.default_period(task, today)
    period = status.parse_period(task.cycle, key)
    if period is None:
        hint = "2022-03" if task.cycle == ProgrammeTask.Cycle.MONTHLY else "2022-Q1"
        raise ValidationError({"period": _("报送期格式应为 %(hint)s。") % {"hint": hint}})
    if not status.within_programme(task, period) or period.end.replace(day=1) > today:
        raise ValidationError({"period": _("报送期不在行动计划实施期内，或尚未开始。")})
    return period


def _values(task: ProgrammeTask, values: list[dict]) -> list[IndicatorValue]:
    """One IndicatorValue per given indicator of the task: a number for a number, yes/no for a milestone."""
    indicators = {i.pk: i for i in task.indicators.all()}
    rows = []
    for n, item in enumerate(values):
        indicator = indicators.get(item.get("indicator"))
        if indicator is None:
            raise ValidationError({f"values[{n}].indicator": _("该任务没有这个指标。")})
        if indicator.kind == Indicator.Kind.NUMBER:
            rows.append(IndicatorValue(indicator=indicator, value=_number(item.get("value"), n)))
        else:
            if not isinstance(item.get("done"), bool):
                raise ValidationError({f"values[{n}].done": _("完成节点须填写是否完成。")})
            rows.append(IndicatorValue(indicator=indicator, done=item["done"]))
    return rows


def _number(raw, n: int) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except Exception:
        value = None
    if value is None or not value.is_finite() or value < 0 or abs(value) >= Decimal("1e12"):
        raise ValidationError({f"values[{n}].value": _("请填写不小于 0 的数字。")})
    return value.quantize(Decimal("0.01"))


def _evidence(upload) -> tuple[str, str]:
    """(content type, clean name) of an accepted evidence file (image or PDF, within the size cap)."""
    data = upload.read(settings.UPLOAD_MAX_BYTES + 1)
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise ValidationError({"evidence": _("文件过大：上限为 %(mb)s MB。")
                               % {"mb": round(settings.UPLOAD_MAX_BYTES / 1048576, 1)}})
    try:
        mime, _kind, ext = sniff(data[:8192])
    except ValidationError as exc:
        raise ValidationError({"evidence": exc.messages}) from exc
    upload.seek(0)
    return mime, clean_name(upload.name) or f"evidence.{ext}"


@transaction.atomic
def report_submit(*, user, task: ProgrammeTask, narrative: str, values: list[dict], period: str | None = None,
                  unit=None, evidence=None, client_uuid: uuid.UUID | None = None) -> ProgressReport:
    """File a progress report for `task` as `user` for one of the task's units the user reports for."""
    earlier = replay_of(reports_visible_to(user), client_uuid, refusal=_("您无权查看该报告。"))
    if earlier is not None:
        return earlier
    units = actions.reporting_units(user, task)
    unit = unit or (units[0] if units else None)
    if unit is None or not actions.may_report(user, task, unit):
        raise PermissionDenied(_("您所在单位不负责这项任务。"))
    chosen = _period(task, period, local_date(timezone.now()))
    if not (narrative or "").strip():
        raise ValidationError({"narrative": _("请填写进展情况。")})
    rows = _values(task, values)
    if task.reports.filter(period=chosen.key, unit=unit, status__in=OPEN).exists():
        raise flow_conflict(_("本期已有报告正在审核，请等待审核结果。"))
    report = ProgressReport(task=task, unit=unit, period=chosen.key, period_end=chosen.end,
                            narrative=narrative.strip(), submitted_by=user, client_uuid=client_uuid)
    if evidence is not None:
        report.evidence_type, report.evidence_name = _evidence(evidence)
        report.evidence.save(report.evidence_name, evidence, save=False)
    report.save()
    IndicatorValue.objects.bulk_create([IndicatorValue(report=report, indicator=r.indicator, value=r.value,
                                                       done=r.done) for r in rows])
    flow.ReportFlow.start.run(report=report)
    audit(actor=user, action="programme.report_submit", obj=report, organization=unit,
          after={"task": task.pk, "period": report.period, "values": [_value_json(r) for r in rows]})
    return report


def _value_json(row: IndicatorValue) -> dict:
    return {"indicator": row.indicator.pk, "value": None if row.value is None else str(row.value), "done": row.done}


def flow_conflict(message: str):
    from .conflicts import ReportConflict

    return ReportConflict(message, code="conflict")


def _decide(*, user, report: ProgressReport, node: str, step: str, decision: str, comment: str, allowed):
    locked = ProgressReport.objects.select_for_update().select_related("task__programme__issuer", "unit").get(
        pk=report.pk)
    if not allowed(user, locked):
        if locked.status not in OPEN or flow.open_task(locked, node) is None:
            raise flow_conflict(_("该报告当前不在此审核环节。"))
        raise PermissionDenied(_("您无权办理该步骤。"))
    if decision == flow.RETURNED and not (comment or "").strip():
        raise ValidationError({"comment": _("退回时请写明理由。")})
    from . import steps

    before = {"status": locked.status}
    steps.stamp(report=locked, user=user, step=step, decision=decision, comment=(comment or "").strip())
    flow.task_complete(report=locked, node=node, user=user)
    audit(actor=user, action=f"programme.report_{step}", obj=locked, organization=locked.unit, before=before,
          after={"decision": decision, "comment": locked.comment})
    return locked


@transaction.atomic
def report_sign(*, user, report: ProgressReport, approve: bool, comment: str = "") -> ProgressReport:
    """The unit leader signs the report off (on to the programme office) or returns it to the unit."""
    return _decide(user=user, report=report, node="sign_off", step="sign", comment=comment,
                   decision=flow.SIGNED if approve else flow.RETURNED, allowed=actions.may_sign)


@transaction.atomic
def report_review(*, user, report: ProgressReport, accept: bool, comment: str = "") -> ProgressReport:
    """The programme office accepts the report (its values count) or returns it with reasons."""
    return _decide(user=user, report=report, node="review", step="review", comment=comment,
                   decision=flow.ACCEPTED if accept else flow.RETURNED, allowed=actions.may_review)


# ---------------------------------------------------------------- the daily 督办 sweep


def _in_window(day: dt.date, first: dt.date) -> bool:
    """`day` is the working day `first` or one of the catch-up days after it."""
    return first <= day <= add_working_days(first, thresholds.CATCH_UP_WORKING_DAYS)


def _notice(task: ProgrammeTask, kind: str, period: str, day: dt.date) -> int:
    """Record the notice once and tell people; a second sweep (or a second machine) finds it and stays quiet."""
    try:
        with transaction.atomic():
            notice, created = SupervisionNotice.objects.get_or_create(
                task=task, kind=kind, period=period, defaults={"day": day})
            if created:
                events.emit(NOTICE_EVENTS[kind], target=notice)
    except IntegrityError:  # the other scheduler won the race
        return 0
    return int(created)


NOTICE_EVENTS = {
    SupervisionNotice.Kind.MISSING: events.PROGRAMME_REPORT_MISSING,
    SupervisionNotice.Kind.LAGGING: events.PROGRAMME_TASK_LAGGING,
    SupervisionNotice.Kind.OVERDUE: events.PROGRAMME_TASK_OVERDUE,
}


def _supervise_task(task: ProgrammeTask, day: dt.date) -> int:
    reports = task.all_reports
    if status.status_of(task, day, reports) == status.DONE:
        return 0
    sent = 0
    if task.due_date and _in_window(day, add_working_days(task.due_date, 1)):
        sent += _notice(task, SupervisionNotice.Kind.OVERDUE, "", day)
    period = status.last_closed_period(task.cycle, day)
    inside = task.programme.starts_on <= period.end <= task.programme.ends_on
    if inside and _in_window(day, period.chase_day):
        if period.key not in status.filed_periods(reports):
            sent += _notice(task, SupervisionNotice.Kind.MISSING, period.key, day)
        if status.numbers_lag(task, status.accepted_values(reports), day):
            sent += _notice(task, SupervisionNotice.Kind.LAGGING, period.key, day)
    return sent


def supervise(*, day: dt.date | None = None) -> int:
    """The 督办 sweep for `day` (default today in Shanghai); run by the scheduler. Returns notices sent.

    Only on working days: a report due over a holiday is chased on the first working day after.
    """
    day = day or local_date(timezone.now())
    if not is_working_day(day):
        return 0
    tasks = ProgrammeTask.objects.filter(programme__starts_on__lte=day)
    return sum(_supervise_task(task, day) for task in with_reports(tasks, None)) + _chase_filings(day)


# ---------------------------------------------------------------- plan filing (备案)


def _document(upload) -> tuple[str, str]:
    if upload is None:
        raise ValidationError({"document": _("请上传工作方案（PDF 或图片）。")})
    try:
        return _evidence(upload)
    except ValidationError as exc:
        raise ValidationError({"document": exc.messages}) from exc


@transaction.atomic
def filing_submit(*, user, filing_request, filer, document, key_dates: str = "", figures: dict | None = None,
                  client_uuid: uuid.UUID | None = None):
    """File (or, after a return, file again) the unit's implementation plan or quality report with the
    request's key figures. A filing after the deadline is accepted and marked late."""
    from .models import PlanFiling
    from .selectors import filings_visible_to

    earlier = replay_of(filings_visible_to(user), client_uuid, refusal=_("您无权查看该备案。"))
    if earlier is not None:
        return earlier
    if filer is None or not actions.may_file(user, filing_request, filer):
        raise PermissionDenied(_("您不能代表该单位备案。"))
    done = PlanFiling.objects.select_for_update().filter(request=filing_request, filer=filer).order_by("-round")
    latest = done.first()
    if latest is not None and latest.status != PlanFiling.Status.RETURNED:
        raise flow_conflict(_("该单位的工作方案已在审核或已备案。"))
    cleaned = clean_figures(filing_request.figure_spec, figures)
    mime, name = _document(document)
    filing = PlanFiling(request=filing_request, filer=filer, round=(latest.round + 1) if latest else 1,
                        key_dates=(key_dates or "").strip(), figures=cleaned, submitted_by=user,
                        client_uuid=client_uuid,
                        document_type=mime, document_name=name,
                        late=local_date(timezone.now()) > filing_request.due_date)
    filing.document.save(name, document, save=False)
    filing.save()
    flow.FilingFlow.start.run(filing=filing)
    audit(actor=user, action="programme.filing_submit", obj=filing, organization=filer,
          after={"kind": filing_request.kind, "round": filing.round, "late": filing.late, "figures": cleaned})
    return filing


@transaction.atomic
def filing_review(*, user, filing, accept: bool, comment: str = ""):
    from .models import PlanFiling

    # Lock the filing row only: the filer's parent is a nullable join, which PostgreSQL will not lock.
    locked = PlanFiling.objects.select_for_update(of=("self",)).select_related(
        "request__programme__issuer", "filer__parent").get(pk=filing.pk)
    if not actions.may_review_filing(user, locked):
        if locked.status != PlanFiling.Status.REVIEWING:
            raise flow_conflict(_("该备案当前不在审核环节。"))
        raise PermissionDenied(_("您无权办理该步骤。"))
    if not accept and not (comment or "").strip():
        raise ValidationError({"comment": _("退回时请写明理由。")})
    locked.reviewed_by, locked.reviewed_at = user, timezone.now()
    locked.decision, locked.comment = (flow.ACCEPTED if accept else flow.RETURNED), (comment or "").strip()
    locked.save(update_fields=["reviewed_by", "reviewed_at", "decision", "comment"])
    flow.filing_review_complete(filing=locked, user=user)
    audit(actor=user, action="programme.filing_review", obj=locked, organization=locked.filer,
          before={"status": PlanFiling.Status.REVIEWING}, after={"decision": locked.decision, "comment": locked.comment})
    return locked


def _chase_filings(day: dt.date) -> int:
    """The first working day after a filing deadline (or a catch-up day): one notice per unit not filed."""
    from .models import FilingNotice, FilingRequest

    sent = 0
    for request in FilingRequest.objects.filter(due_date__lt=day).prefetch_related("filers"):
        if not _in_window(day, add_working_days(request.due_date, 1)):
            continue
        filed = set(request.filings.values_list("filer_id", flat=True))
        for filer in request.filers.all():
            if filer.pk in filed:
                continue
            with transaction.atomic():
                notice, created = FilingNotice.objects.get_or_create(request=request, filer=filer,
                                                                     defaults={"day": day})
                if created:
                    events.emit(events.PROGRAMME_FILING_OVERDUE, target=notice)
                    sent += 1
    return sent


# ---------------------------------------------------------------- linked campaigns and checklists


@transaction.atomic
def programme_links_set(*, user, programme, campaign_ids: list[int], checklist_ids: list[int]):
    """The office links the campaigns it runs and the active checklists the plan inspects with."""
    if not actions.is_office(user, programme):
        raise PermissionDenied(_("只有计划办的督导领导可以关联专项检查和检查表。"))
    # Campaigns organised in the issuer's subtree: the plan's own inspections, not a neighbouring city's.
    campaigns = list(Campaign.objects.filter(organiser__path__startswith=programme.issuer.path, pk__in=campaign_ids))
    if len(campaigns) != len(set(campaign_ids)):
        raise ValidationError({"campaigns": _("只能关联本机构及下级组织的专项检查。")})
    checklists = list(ChecklistTemplate.objects.filter(pk__in=checklist_ids, is_active=True))
    if len(checklists) != len(set(checklist_ids)):
        raise ValidationError({"checklists": _("检查表不存在或已停用。")})
    before = {"campaigns": sorted(linked_campaigns(user, programme).values_list("pk", flat=True)),
              "checklists": sorted(programme.checklists.values_list("pk", flat=True))}
    after = {"campaigns": sorted(c.pk for c in campaigns), "checklists": sorted(c.pk for c in checklists)}
    if before == after:
        return programme  # the same links again: nothing changed, nothing to audit (a replayed demo load, a resent form)
    programme.campaigns.set(campaigns)
    programme.checklists.set(checklists)
    audit(actor=user, action="programme.links_set", obj=programme, organization=programme.issuer,
          before=before, after=after)
    return programme
