"""Operations on rectification orders (整改通知书).

Each public service validates, checks the policy, changes state through the
RectificationFlow, writes one audit event and emits one notification event.
Errors: ValidationError (400), PermissionDenied (403), OrderConflict (409);
invisible orders never reach a service (selectors raise Http404 first).
"""
import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from viewflow.workflow.status import STATUS

from notifications import events
from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm
from workflows.calendar import SHANGHAI
from workflows.completion import run_task
from workflows.deadlines import deadline_create, deadline_extend_to, validate_granted_date
from workflows.rectification import RectificationFlow

from inspections import thresholds

from inspections.orders import actions
from inspections.conflicts import OrderConflict
from inspections.audit.services import audit
from inspections.idempotency.services import replay_of
from inspections.orders.models import (
    ExtensionRequest, Finding, OrderNumberCounter, Recheck, RectificationOrder, RectificationReport,
)

Status = RectificationOrder.Status


# --- issuing ---------------------------------------------------------------

def issuing_organization(school: Organization) -> Organization:
    """The nearest district above the school, or the city for a school directly under it."""
    return school.nearest(Organization.Kind.DISTRICT) or school.nearest(Organization.Kind.CITY)


def allocate_number(issuer: Organization, year: int) -> tuple[int, str]:
    """Next serial for (issuer, year) under a row lock: no gaps, no duplicates."""
    locked = OrderNumberCounter.objects.select_for_update()
    counter = locked.filter(organization=issuer, year=year).first()
    if counter is None:  # the issuer's first order of the year
        OrderNumberCounter.objects.get_or_create(organization=issuer, year=year)
        counter = locked.get(organization=issuer, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, f"{issuer.doc_prefix}〔{year}〕{counter.last}号"


def _validate_findings(school, findings) -> None:
    if not findings:
        raise ValidationError({"findings": _("至少需要一个问题。")})
    for finding in findings:
        if finding.school_id != school.pk:
            raise ValidationError({"findings": _("问题必须属于该学校。")})
        if finding.order_id is not None:
            raise ValidationError({"findings": _("问题“%(f)s”已在其他整改通知书中。") % {"f": finding}})


def finding_create(*, school: Organization, description: str, severity: str, found_by,
                   hazard: bool = False, found_at: dt.datetime | None = None, attachments=()) -> Finding:
    """A finding recorded outside a visit (manual order); the visits area records its own."""
    if not policy.can(found_by, Perm.INSPECT, school):
        raise PermissionDenied(_("您不能对该学校记录问题。"))
    finding = Finding(school=school, description=description, severity=severity, hazard=hazard,
                      found_by=found_by, found_at=found_at or timezone.now())
    finding.full_clean(exclude=["order", "visit", "item"])
    finding.save()
    if attachments:
        finding.attachments.set(attachments)
    return finding


@transaction.atomic
def order_issue(*, school: Organization, findings, issued_by, requirements: str = "", visit=None,
                client_uuid: uuid.UUID | None = None) -> RectificationOrder:
    """Issue an order for `findings`, number it, start its flow."""
    _require_may_issue(issued_by, school)
    if existing := _replayed(issued_by, client_uuid):
        return existing
    if not school.is_school:
        raise ValidationError({"school": _("只能向学校下发整改通知书。")})
    findings = list(Finding.objects.select_for_update().filter(pk__in=[f.pk for f in findings]))
    _validate_findings(school, findings)
    order = _order_create(school=school, findings=findings, issued_by=issued_by,
                          requirements=requirements, visit=visit, client_uuid=client_uuid)
    Finding.objects.filter(pk__in=[f.pk for f in findings]).update(order=order)
    audit(actor=issued_by, action="order.issued", obj=order, organization=school, order=order,
          after={"number": order.number, "deadline": order.deadline.due_at.isoformat(),
                 "findings": [f.pk for f in findings]})
    RectificationFlow.start.run(order=order)
    events.emit(events.ORDER_ISSUED, target=order, actor=issued_by)
    return order


ISSUE_REFUSAL = _lazy("您不能向该学校下发整改通知书。")


def _require_may_issue(user, school) -> None:
    if not policy.can(user, Perm.INSPECT, school):
        raise PermissionDenied(ISSUE_REFUSAL)


def _replayed(user, client_uuid):
    # A retried call returns what the first one made, but only to the person who made it.
    return replay_of(RectificationOrder.objects.filter(issued_by=user), client_uuid, refusal=ISSUE_REFUSAL)


def _order_create(*, school, findings, issued_by, requirements, visit, client_uuid):
    issuer = issuing_organization(school)
    now = timezone.now()
    year = now.astimezone(SHANGHAI).year
    serial, number = allocate_number(issuer, year)
    deadline = deadline_create(purpose="rectification", start=now, working_days=thresholds.order_working_days(findings))
    return RectificationOrder.objects.create(
        client_uuid=client_uuid, issuer=issuer, year=year, serial=serial, number=number, school=school,
        visit=visit, requirements=requirements or _("请按要求完成整改，并在期限内报送整改报告。"),
        severity=thresholds.highest_severity(findings), has_hazard=any(f.hazard for f in findings),
        deadline=deadline, issued_by=issued_by, issued_at=now,
    )


# --- running a flow task as a person -----------------------------------------

def open_tasks(order, node_names):
    nodes = [getattr(RectificationFlow, name) for name in node_names]
    return RectificationFlow.task_class.objects.filter(
        process_id=order.process.pk, flow_task__in=nodes, status__in=[STATUS.NEW, STATUS.ASSIGNED],
    ).order_by("id")


def _run_task(*, order, user, action: str | tuple[str, ...], apply):
    """Complete the open task of `action` (or of whichever of several is open) as `user`;
    403 before 409 (the action policy), exactly one winner."""
    names = (action,) if isinstance(action, str) else action
    task = open_tasks(order, [node for name in names for node in actions.ACTIONS[name].nodes]).first()
    action = actions.NODE_ACTION[task.flow_task.name].name if task else names[0]
    actions.require(user, action, order, nodes={task.flow_task.name} if task else set(),
                    claimed=actions.claimed_by_others(user, [task] if task else []))

    def attach(process):
        # The flow works on the caller's order, refreshed from the locked read: every node of the run
        # (status callbacks, permission objects, timers) updates that one instance.
        _take_state(order, process.order)
        process.order = order

    return run_task(task=task, user=user, conflict=OrderConflict, apply=apply, attach=attach,
                    related=tuple(f"order__{name}" for name in ORDER_RELATED))


# What the nodes read of an order (permission objects, timers' due times, notifications).
ORDER_RELATED = ("school", "issuer", "deadline", "issued_by")


def _take_state(order, fresh) -> None:
    """`order.refresh_from_db()` from a row already read: field values and loaded relations of `fresh`."""
    for field in order._meta.concrete_fields:
        setattr(order, field.attname, getattr(fresh, field.attname))
        if field.is_relation:
            if field.is_cached(fresh):
                field.set_cached_value(order, field.get_cached_value(fresh))
            elif field.is_cached(order):
                field.delete_cached_value(order)
    order._prefetched_objects_cache = {}
    for rel in order._meta.related_objects:
        if rel.is_cached(order):
            rel.delete_cached_value(order)


def _snapshot(order) -> dict:
    return {"status": order.status, "round": order.round}


# --- the school -------------------------------------------------------------

@transaction.atomic
def order_sign(*, order: RectificationOrder, user) -> RectificationOrder:
    before = _snapshot(order)

    def apply(activation):
        order.signed_by, order.signed_at = user, timezone.now()
        order.save(update_fields=["signed_by", "signed_at"])

    _run_task(order=order, user=user, action="order.sign", apply=apply)
    audit(actor=user, action="order.signed", obj=order, organization=order.school, order=order,
          before=before, after=_snapshot(order))
    events.emit(events.ORDER_SIGNED, target=order, actor=user)
    return order


@transaction.atomic
def report_submit(*, order: RectificationOrder, user, measures: str, attachments=(),
                  client_uuid: uuid.UUID | None = None) -> RectificationReport:
    # Replays are answered only within this order (which the caller was allowed to fetch).
    if existing := replay_of(order.reports.all(), client_uuid, refusal=_("该请求编号已被使用。")):
        return existing
    if not (measures or "").strip():
        raise ValidationError({"measures": _("请填写整改措施。")})
    _check_attachments(order, attachments)
    before = _snapshot(order)

    def apply(activation):
        report = RectificationReport.objects.create(
            client_uuid=client_uuid, order=order, round=order.round, measures=measures.strip(),
            submitted_by=user, submitted_at=timezone.now(), status=RectificationReport.Status.SUBMITTED,
        )
        if attachments:
            report.attachments.set(attachments)
        return report

    report = _run_task(order=order, user=user, action="order.report", apply=apply)
    audit(actor=user, action="report.submitted", obj=report, organization=order.school, order=order,
          before=before, after={**_snapshot(order), "attachments": len(attachments)})
    events.emit(events.ORDER_REPORT_SUBMITTED, target=order, actor=user)
    return report


def _check_attachments(order, attachments) -> None:
    for attachment in attachments:
        if attachment.organization_id != order.school_id:
            raise ValidationError({"attachments": _("附件不属于该学校。")})


def _review_report(*, order, user, approve: bool, note: str):
    def apply(activation):
        report = order.reports.select_for_update().order_by("-id").first()
        report.status = (RectificationReport.Status.APPROVED if approve
                         else RectificationReport.Status.RETURNED)
        report.approved_by, report.approved_at, report.review_note = user, timezone.now(), note
        report.save(update_fields=["status", "approved_by", "approved_at", "review_note"])
        return report

    return _run_task(order=order, user=user, action="order.approve_report", apply=apply)


@transaction.atomic
def report_approve(*, order: RectificationOrder, user, note: str = "") -> RectificationReport:
    """The school leader sends the report out to the district."""
    before = _snapshot(order)
    report = _review_report(order=order, user=user, approve=True, note=note)
    audit(actor=user, action="report.approved", obj=report, organization=order.school, order=order,
          before=before, after=_snapshot(order))
    events.emit(events.ORDER_REPORTED, target=order, actor=user)
    return report


@transaction.atomic
def report_return(*, order: RectificationOrder, user, note: str) -> RectificationReport:
    if not (note or "").strip():
        raise ValidationError({"note": _("退回时请写明理由。")})
    before = _snapshot(order)
    report = _review_report(order=order, user=user, approve=False, note=note.strip())
    audit(actor=user, action="report.returned", obj=report, organization=order.school, order=order,
          before=before, after=_snapshot(order))
    events.emit(events.ORDER_REPORT_RETURNED, target=order, actor=user, body=note.strip())
    return report


# --- the inspector ----------------------------------------------------------

@transaction.atomic
def recheck_record(*, order: RectificationOrder, user, method: str, result: str, notes: str = "",
                   attachments=()) -> Recheck:
    if method not in Recheck.Method.values:
        raise ValidationError({"method": _("请选择复查方式。")})
    if result not in Recheck.Result.values:
        raise ValidationError({"result": _("请选择复查结论。")})
    if result == Recheck.Result.FAIL and not (notes or "").strip():
        raise ValidationError({"notes": _("复查不通过时请写明问题。")})
    before = _snapshot(order)

    def apply(activation):
        # After a returned closure the round's re-check is done again: the row is updated (one per
        # round), its earlier evidence kept; the audit trail keeps the earlier conclusion.
        recheck = order.rechecks.filter(round=order.round).first() or Recheck(order=order, round=order.round)
        recheck.method, recheck.result, recheck.notes = method, result, notes.strip()
        recheck.checked_by, recheck.checked_at = user, timezone.now()
        recheck.save()
        recheck.attachments.add(*attachments)
        if result == Recheck.Result.FAIL:
            _next_round(order)
        return recheck

    recheck = _run_task(order=order, user=user, action="order.recheck", apply=apply)
    audit(actor=user, action=f"recheck.{result}", obj=recheck, organization=order.school, order=order,
          before=before, after={**_snapshot(order), "method": method})
    event = events.ORDER_RECHECK_PASSED if result == Recheck.Result.PASS else events.ORDER_RECHECK_FAILED
    events.emit(event, target=order, actor=user, body=notes.strip())
    return recheck


def _next_round(order) -> None:
    """A failed re-check: the school starts again with a fresh default deadline."""
    old = order.deadline
    old.is_open = False
    old.save(update_fields=["is_open", "updated_at"])
    findings = list(order.findings.select_related("item__section__template"))
    order.deadline = deadline_create(purpose="rectification", start=timezone.now(),
                                     working_days=thresholds.order_working_days(findings))
    order.round += 1
    order.save(update_fields=["deadline", "round"])


# --- leaders ----------------------------------------------------------------

def _closure_decision(order, decision: str):
    """An `apply` that records the leader's decision on the order for the flow's `is_closure_returned`."""
    def apply(activation):
        order.closure_decision = decision
        order.save(update_fields=["closure_decision"])
    return apply


@transaction.atomic
def closure_approve(*, order: RectificationOrder, user, note: str = "") -> RectificationOrder:
    """District leader's closure approval, or the city leader's for major findings."""
    before = _snapshot(order)
    _run_task(order=order, user=user, action=("order.approve_closure", "order.city_approve"),
              apply=_closure_decision(order, RectificationOrder.ClosureDecision.APPROVED))
    audit(actor=user, action="closure.approved", obj=order, organization=order.school, order=order,
          before=before, after={**_snapshot(order), "note": note})
    if order.status == Status.CLOSED:
        events.emit(events.ORDER_CLOSED, target=order, actor=user)
    return order


def _noop(activation):
    return None


@transaction.atomic
def closure_return(*, order: RectificationOrder, user, reason: str) -> RectificationOrder:
    """The district leader refuses closure and sends the order back to the inspector to re-check again."""
    if not (reason or "").strip():
        raise ValidationError({"note": _("退回复查时请写明理由。")})
    before = _snapshot(order)
    _run_task(order=order, user=user, action="order.approve_closure", apply=_closure_decision(order, RectificationOrder.ClosureDecision.RETURNED))
    audit(actor=user, action="closure.returned", obj=order, organization=order.school, order=order,
          before=before, after={**_snapshot(order), "reason": reason.strip()})
    events.emit(events.ORDER_CLOSURE_RETURNED, target=order, actor=user, body=reason.strip())
    return order


@transaction.atomic
def city_supervise(*, order: RectificationOrder, user, note: str) -> RectificationOrder:
    """The city leader's 挂牌督办 instruction after the third failed re-check or the second overdue;
    the school goes on."""
    if not (note or "").strip():
        raise ValidationError({"note": _("请填写督办意见。")})
    before = _snapshot(order)
    _run_task(order=order, user=user, action="order.city_supervise", apply=_noop)
    audit(actor=user, action="order.city_supervised", obj=order, organization=order.school, order=order,
          before=before, after={**_snapshot(order), "note": note.strip()})
    return order


# --- extensions -------------------------------------------------------------

@transaction.atomic
def extension_request(*, order: RectificationOrder, user, requested_deadline: dt.date,
                      reason: str) -> ExtensionRequest:
    order = RectificationOrder.objects.select_for_update().select_related("school", "deadline").get(pk=order.pk)
    actions.require(user, "order.request_extension", order)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写延期理由。")})
    if requested_deadline <= order.deadline.due_at.astimezone(SHANGHAI).date():
        raise ValidationError({"requested_deadline": _("申请日期必须晚于现有期限。")})
    validate_granted_date(requested_deadline)
    ext = ExtensionRequest.objects.create(order=order, requested_deadline=requested_deadline,
                                          reason=reason.strip(), requested_by=user, requested_at=timezone.now())
    audit(actor=user, action="extension.requested", obj=ext, organization=order.school, order=order,
          after={"requested_deadline": requested_deadline.isoformat()})
    events.emit(events.EXTENSION_REQUESTED, target=order, actor=user, body=reason.strip())
    return ext


@transaction.atomic
def extension_decide(*, extension: ExtensionRequest, user, approve: bool, note: str = "") -> ExtensionRequest:
    """The district leader decides; approval moves the deadline to the granted day, which re-arms the timers."""
    order = extension.order
    actions.require(user, "order.decide_extension", order)
    extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    if extension.decision != ExtensionRequest.Decision.PENDING:
        raise OrderConflict(_("该延期申请已处理或已不适用。"))
    before = {"deadline": order.deadline.due_at.isoformat()}
    if approve:  # deadline_moved → workflows.rectification re-arms the reminder and overdue timers
        deadline_extend_to(deadline=order.deadline, new_date=extension.requested_deadline)
    extension.decision = "approved" if approve else "rejected"
    extension.decided_by, extension.decided_at, extension.decision_note = user, timezone.now(), note
    extension.save(update_fields=["decision", "decided_by", "decided_at", "decision_note"])
    audit(actor=user, action=f"extension.{extension.decision}", obj=extension, organization=order.school,
          order=order, before=before, after={"deadline": order.deadline.due_at.isoformat()})
    events.emit(events.EXTENSION_DECIDED, target=order, actor=user, body=note)
    return extension


@transaction.atomic
def order_issue_manual(*, school: Organization, findings: list[dict], issued_by, requirements: str = "",
                       client_uuid: uuid.UUID | None = None) -> tuple[RectificationOrder, bool]:
    """The inspector's manual order: findings typed in, then issued. Returns (order, created)."""
    _require_may_issue(issued_by, school)
    if existing := _replayed(issued_by, client_uuid):
        return existing, False
    if not findings:
        raise ValidationError({"findings": _("至少需要一个问题。")})
    made = [finding_create(school=school, found_by=issued_by, description=f["description"],
                           severity=f.get("severity", "general"), hazard=bool(f.get("hazard")),
                           attachments=f.get("attachments", ())) for f in findings]
    order = order_issue(school=school, findings=made, issued_by=issued_by, requirements=requirements,
                        client_uuid=client_uuid)
    return order, True


# The approvals the one approve action (page form, API) runs: whichever of them the order waits for.
APPROVALS = ("order.approve_report", "order.approve_closure", "order.city_approve", "order.city_supervise")


def approval_step(order) -> str | None:
    """Which approval the order waits for now: the action of its open approval task, if any."""
    task = open_tasks(order, [node for name in APPROVALS for node in actions.ACTIONS[name].nodes]).first()
    return actions.NODE_ACTION[task.flow_task.name].name if task else None


@transaction.atomic
def approval_decide(*, order: RectificationOrder, user, decision: str, note: str = ""):
    """The approval the order waits for now (school report review, closure, city supervision).

    `decision` is "approve" or "return"; the page's approval form and the API's approve action both call this.
    """
    step, returning = approval_step(order), decision == "return"
    if step == "order.approve_report":
        return (report_return if returning else report_approve)(order=order, user=user, note=note)
    if step in ("order.approve_closure", "order.city_approve"):
        if returning:
            return closure_return(order=order, user=user, reason=note)
        return closure_approve(order=order, user=user, note=note)
    if step == "order.city_supervise":
        return city_supervise(order=order, user=user, note=note)
    raise OrderConflict(_("整改通知书当前没有待审批事项。"))
