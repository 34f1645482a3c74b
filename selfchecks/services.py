"""Writes of self-inspection: the request, the school's checklist and problems, the leader's signature, and
the school's own plan and closure of each self-found problem.

Typed keyword-only functions; bad input raises ValidationError (field errors), a refusal PermissionDenied,
a state that does not allow the step SelfCheckConflict (409). Status moves only in selfchecks.flow.
"""
import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections.audit.services import audit
from inspections.idempotency.services import replay_of
from inspections.models import ChecklistItem, Severity

from . import actions, flow
from .conflicts import SelfCheckConflict
from .models import SelfCheck, SelfCheckRequest, SelfCheckResult, SelfFinding
from .selectors import pool_of, selfchecks_visible_to


@transaction.atomic
def request_create(*, campaign, user, due_date: dt.date, note: str = "") -> SelfCheckRequest:
    """Ask the campaign's schools to run its checklist on themselves by `due_date` (one request per campaign)."""
    if not actions.may_request(user, campaign):
        raise PermissionDenied(_("只有组织机构的督导领导可以布置学校自查。"))
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": _("自查截止日不能早于今天。")})
    if due_date > campaign.period_end:
        raise ValidationError({"due_date": _("自查截止日不能晚于专项检查结束日期。")})
    if SelfCheckRequest.objects.filter(campaign=campaign).exists():
        raise SelfCheckConflict(_("该专项检查已布置学校自查。"), code="conflict")
    request = SelfCheckRequest.objects.create(campaign=campaign, due_date=due_date, note=(note or "").strip(),
                                              created_by=user)
    audit(actor=user, action="selfcheck.request", obj=request, organization=campaign.organiser,
          after={"campaign": campaign.pk, "due_date": due_date.isoformat()})
    return request


@transaction.atomic
def selfcheck_start(*, request: SelfCheckRequest, school, user, client_uuid: uuid.UUID | None = None) -> SelfCheck:
    """The school's self-inspection for `request`: made on first use, the same row afterwards."""
    earlier = replay_of(selfchecks_visible_to(user), client_uuid, refusal=_("您无权查看该自查。"))
    if earlier is not None:
        return earlier
    if not actions.may_start(user, school) or not pool_of(request).filter(pk=school.pk).exists():
        raise PermissionDenied(_("本校不在该自查范围内，或您不能代表本校自查。"))
    selfcheck, created = SelfCheck.objects.get_or_create(
        request=request, school=school, defaults={"started_by": user, "client_uuid": client_uuid})
    if created:
        audit(actor=user, action="selfcheck.start", obj=selfcheck, organization=school)
    return selfcheck


def _locked(selfcheck: SelfCheck) -> SelfCheck:
    return (SelfCheck.objects.select_for_update(of=("self",))
            .select_related("school", "request__campaign").get(pk=selfcheck.pk))


def _require_fill(user, selfcheck: SelfCheck) -> None:
    if actions.may_fill(user, selfcheck):
        return
    if actions.is_school_side(user, selfcheck.school):
        raise SelfCheckConflict(_("自查报告已提交，不能再修改。"), code="conflict")
    raise PermissionDenied(_("只有本校人员可以填报自查。"))


def _item(selfcheck: SelfCheck, item_id, field: str = "item") -> ChecklistItem:
    item = ChecklistItem.objects.filter(pk=item_id, section__template=selfcheck.request.campaign.template).first()
    if item is None:
        raise ValidationError({field: _("该检查项不属于本次自查的检查表。")})
    return item


@transaction.atomic
def result_record(*, selfcheck: SelfCheck, user, item: int, result: str, note: str = "") -> SelfCheckResult:
    """One checklist item's self-assessed result; recording it again replaces it."""
    selfcheck = _locked(selfcheck)
    _require_fill(user, selfcheck)
    if result not in SelfCheckResult.Result.values:
        raise ValidationError({"result": _("结果无效。")})
    row, _created = SelfCheckResult.objects.update_or_create(
        selfcheck=selfcheck, item=_item(selfcheck, item), defaults={"result": result, "note": (note or "").strip()})
    return row


@transaction.atomic
def finding_record(*, selfcheck: SelfCheck, user, description: str, item: int | None = None,
                   severity: str = Severity.GENERAL) -> SelfFinding:
    """A problem the school found itself; with an item, that item also counts as failed."""
    selfcheck = _locked(selfcheck)
    _require_fill(user, selfcheck)
    if not (description or "").strip():
        raise ValidationError({"description": _("请填写问题描述。")})
    if severity not in Severity.values:
        raise ValidationError({"severity": _("严重程度无效。")})
    chosen = _item(selfcheck, item) if item is not None else None
    finding = SelfFinding.objects.create(selfcheck=selfcheck, item=chosen, description=description.strip(),
                                         severity=severity, found_by=user)
    audit(actor=user, action="selfcheck.finding", obj=finding, organization=selfcheck.school,
          after={"item": chosen.code if chosen else None, "severity": severity})
    return finding


@transaction.atomic
def selfcheck_submit(*, selfcheck: SelfCheck, user, summary: str) -> SelfCheck:
    """Send the filled checklist to the school leader for signature (late after the due date, still accepted)."""
    selfcheck = _locked(selfcheck)
    _require_fill(user, selfcheck)
    if not (summary or "").strip():
        raise ValidationError({"summary": _("请填写自查报告。")})
    if not selfcheck.results.exists() and not selfcheck.findings.exists():
        raise ValidationError({"results": _("请至少填写一项检查结果或自查问题。")})
    selfcheck.summary, selfcheck.submitted_by, selfcheck.submitted_at = summary.strip(), user, timezone.now()
    selfcheck.late = timezone.localdate() > selfcheck.request.due_date
    selfcheck.decision, selfcheck.comment = "", ""
    selfcheck.save(update_fields=["summary", "submitted_by", "submitted_at", "late", "decision", "comment"])
    flow.SelfCheckFlow.start.run(selfcheck=selfcheck)
    audit(actor=user, action="selfcheck.submit", obj=selfcheck, organization=selfcheck.school,
          after={"late": selfcheck.late})
    return selfcheck


@transaction.atomic
def selfcheck_sign(*, selfcheck: SelfCheck, user, approve: bool, comment: str = "") -> SelfCheck:
    """The school leader signs the report (the bureau then sees it) or returns it to the staff with reasons."""
    selfcheck = _locked(selfcheck)
    if not actions.may_sign(user, selfcheck):
        if selfcheck.status != SelfCheck.Status.SIGNING:
            raise SelfCheckConflict(_("该自查报告当前不在签署环节。"), code="conflict")
        raise PermissionDenied(_("只有学校负责人可以签署自查报告。"))
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("退回时请写明理由。")})
    selfcheck.decision, selfcheck.comment = (flow.SIGNED if approve else flow.RETURNED), comment
    fields = ["decision", "comment"]
    if approve:
        selfcheck.signed_by, selfcheck.signed_at = user, timezone.now()
        fields += ["signed_by", "signed_at"]
    selfcheck.save(update_fields=fields)
    flow.sign_complete(selfcheck=selfcheck, user=user)
    audit(actor=user, action="selfcheck.sign" if approve else "selfcheck.return", obj=selfcheck,
          organization=selfcheck.school, after={"comment": comment})
    return selfcheck


def _locked_finding(finding: SelfFinding) -> SelfFinding:
    return SelfFinding.objects.select_for_update(of=("self",)).select_related("selfcheck__school").get(pk=finding.pk)


@transaction.atomic
def finding_plan(*, finding: SelfFinding, user, plan: str, plan_due: dt.date) -> SelfFinding:
    """The school's own rectification plan for a self-found problem (no bureau order)."""
    finding = _locked_finding(finding)
    if not actions.may_plan(user, finding):
        if finding.status == SelfFinding.Status.CLOSED and actions.is_school_side(user, finding.selfcheck.school):
            raise SelfCheckConflict(_("该问题已整改销号。"), code="conflict")
        raise PermissionDenied(_("只有本校人员可以制定整改措施。"))
    if not (plan or "").strip():
        raise ValidationError({"plan": _("请填写整改措施。")})
    finding.plan, finding.plan_due, finding.status = plan.strip(), plan_due, SelfFinding.Status.PLANNED
    finding.save(update_fields=["plan", "plan_due", "status"])
    audit(actor=user, action="selfcheck.plan", obj=finding, organization=finding.selfcheck.school,
          after={"plan_due": plan_due.isoformat()})
    return finding


@transaction.atomic
def finding_close(*, finding: SelfFinding, user, note: str) -> SelfFinding:
    """The school leader confirms the self-found problem is fixed (销号)."""
    finding = _locked_finding(finding)
    if not actions.may_close(user, finding):
        if actions.is_school_side(user, finding.selfcheck.school) and finding.status != SelfFinding.Status.PLANNED:
            raise SelfCheckConflict(_("只有整改中的问题可以销号。"), code="conflict")
        raise PermissionDenied(_("只有学校负责人可以销号。"))
    if not (note or "").strip():
        raise ValidationError({"note": _("请填写整改结果。")})
    finding.closure_note, finding.closed_by, finding.closed_at = note.strip(), user, timezone.now()
    finding.status = SelfFinding.Status.CLOSED
    finding.save(update_fields=["closure_note", "closed_by", "closed_at", "status"])
    audit(actor=user, action="selfcheck.close", obj=finding, organization=finding.selfcheck.school,
          after={"note": finding.closure_note})
    return finding
