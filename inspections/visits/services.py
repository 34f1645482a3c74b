"""Visit services: plan, check in, record results and findings, sign, submit, review.

Every write goes through one of these keyword-only functions. They authorise
through the action policy (inspections.actions, table in inspections.visits.actions), validate, write once, audit once, and move the
visit's viewflow process (workflows.visit.VisitFlow) in the same transaction.
Bad input raises ValidationError; an action the visit's state does not allow
raises VisitConflict (HTTP 409); a person who may not act raises PermissionDenied.
"""
import hashlib
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications import events
from workflows.visit import VisitFlow, task_complete
from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm, Role

from inspections.audit.services import audit
from inspections.evidence.services import sniff, submit_with_evidence
from inspections.idempotency.services import replay_of
from inspections.checklists.models import ChecklistItem, ChecklistTemplate, Severity
from inspections.evidence.models import Attachment
from inspections.orders.models import Finding
from inspections.visits.models import Campaign, Visit, VisitItemResult, VisitTeamMember
from inspections import thresholds
from inspections import limits
from inspections.visits import actions
from inspections.visits.models import Kind
from inspections.visits.selectors import visits_visible_to
from inspections.visits.signature import signature_png

STANDARD_CODE = "GFBX-2025"
EDITABLE = actions.EDITABLE


# ---------------------------------------------------------------- rules


def _require_theirs(user, visit: Visit) -> None:
    """Before a replay is looked up: refuse only a person who is not the visit's (a replay may come late)."""
    decision = actions.can(user, "visit.answer", visit)
    if decision.code == "forbidden":
        raise PermissionDenied(decision.reason)


def _locked(visit: Visit) -> Visit:
    """Re-read the visit row under a lock so concurrent tablets cannot interleave a state change."""
    return Visit.objects.select_for_update().select_related("school", "organiser", "template").get(pk=visit.pk)


# ---------------------------------------------------------------- plan


def _organiser_for(user, school: Organization) -> Organization:
    """The deepest authority above the school where the planner holds an inspecting or leading role."""
    above = set(school.ancestor_ids()) - {school.pk}
    rows = [m.organization for m in policy.roles_of(user)
            if m.organization_id in above and m.role in (Role.INSPECTOR, Role.LEADER)]
    if not rows:
        raise PermissionDenied(_("您无权为该学校安排督导检查。"))
    return max(rows, key=lambda org: len(org.path))


def current_template(code: str = STANDARD_CODE) -> ChecklistTemplate:
    template = ChecklistTemplate.objects.filter(code=code, is_active=True).order_by("-version").first()
    if template is None:
        raise ValidationError({"template": _("没有可用的检查表。")})
    return template


def _validate_team(*, school, lead, members) -> list:
    team = [lead] + [m for m in members if m.pk != lead.pk]
    for person in team:
        if not policy.can(person, Perm.INSPECT, school):
            raise ValidationError({"team": _("%(name)s 无权检查该学校。") % {"name": person.get_full_name() or person}})
    return team


@transaction.atomic
def visit_plan(*, school: Organization, planned_date: date, lead, planned_by, kind: str = Kind.ROUTINE,
               members=(), template: ChecklistTemplate | None = None, campaign: Campaign | None = None,
               client_uuid: uuid.UUID | None = None) -> Visit:
    """Plan a visit and start its process; a replayed client UUID returns the visit already made."""
    refusal = _("您无权为该学校安排督导检查。")
    actions.require(planned_by, "visit.plan", school)
    if existing := replay_of(visits_visible_to(planned_by), client_uuid, refusal=refusal):
        return existing
    if not school.is_school:
        raise ValidationError({"school": _("只能对学校安排督导检查。")})
    if kind not in Kind.values:
        raise ValidationError({"kind": _("检查类型无效。")})
    team = _validate_team(school=school, lead=lead, members=members)
    visit = Visit.objects.create(
        client_uuid=client_uuid, campaign=campaign, school=school, kind=kind, planned_date=planned_date,
        organiser=campaign.organiser if campaign else _organiser_for(planned_by, school),
        template=template or (campaign.template if campaign else current_template()), created_by=planned_by,
    )
    VisitTeamMember.objects.bulk_create([VisitTeamMember(visit=visit, user=u, is_lead=(u.pk == lead.pk)) for u in team])
    audit(actor=planned_by, action="visit.plan", obj=visit, organization=school, visit=visit,
          after={"kind": kind, "planned_date": planned_date.isoformat(), "team": [u.pk for u in team]})
    VisitFlow.start.run(visit=visit)
    events.emit(events.VISIT_ASSIGNED, target=visit, actor=planned_by)
    return visit


# ---------------------------------------------------------------- check in


def _coordinate(value, limit: int, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("坐标格式无效。")}) from None
    if not number.is_finite() or abs(number) > limit:
        raise ValidationError({field: _("坐标超出范围。")})
    return number.quantize(Decimal("0.000001"))


def _geo_fields(geo_status: str, latitude, longitude, accuracy) -> dict:
    """Coordinates only with status ok; a denied or unavailable position is recorded as such, without numbers."""
    if geo_status not in Visit.GeoStatus.values:
        raise ValidationError({"geo_status": _("定位情况无效。")})
    if geo_status != Visit.GeoStatus.OK:
        return {"checkin_geo_status": geo_status}
    if latitude is None or longitude is None:
        raise ValidationError({"latitude": _("已定位时必须提供经纬度。")})
    if accuracy is not None and (not isinstance(accuracy, (int, float)) or accuracy < 0):
        raise ValidationError({"accuracy": _("定位精度无效。")})
    return {"checkin_geo_status": geo_status, "checkin_latitude": _coordinate(latitude, 90, "latitude"),
            "checkin_longitude": _coordinate(longitude, 180, "longitude"), "checkin_accuracy": accuracy}


# A device clock may be off by minutes; one further off than this is not a time anyone can rely on.
DEVICE_CLOCK_SKEW = timedelta(hours=1)
DEVICE_TIME_MAX_AGE = timedelta(days=30)


def _device_time(device_at: datetime | None, captured_offline: bool) -> dict:
    """The time the tablet gave for an offline check-in: aware, not in the future, not weeks old."""
    if device_at is None:
        return {"checkin_offline": bool(captured_offline)}
    if timezone.is_naive(device_at):
        raise ValidationError({"device_at": _("设备时间须带时区。")})
    now = timezone.now()
    if device_at > now + DEVICE_CLOCK_SKEW or device_at < now - DEVICE_TIME_MAX_AGE:
        raise ValidationError({"device_at": _("设备时间与服务器时间相差过大，请校准平板时间后重试。")})
    return {"checkin_device_at": device_at, "checkin_offline": bool(captured_offline)}


@transaction.atomic
def visit_check_in(*, visit: Visit, user, geo_status: str, latitude=None, longitude=None,
                   accuracy: float | None = None, device_at: datetime | None = None,
                   captured_offline: bool = False) -> Visit:
    """Check in on arrival. From a tablet's outbox the check-in carries the device's time of the button press
    and whether it was captured offline; checkin_at is always the server's time of receipt."""
    fields = {**_geo_fields(geo_status, latitude, longitude, accuracy), **_device_time(device_at, captured_offline)}
    visit = _locked(visit)
    actions.require(user, "visit.check_in", visit)
    for name, value in fields.items():
        setattr(visit, name, value)
    visit.checkin_at = timezone.now()
    visit.status = Visit.Status.IN_PROGRESS
    visit.save(update_fields=[*fields, "checkin_at", "status"])
    audit(actor=user, action="visit.check_in", obj=visit, organization=visit.school, visit=visit,
          after={"geo_status": geo_status, "accuracy": accuracy, "offline": visit.checkin_offline,
                 "device_at": device_at.isoformat() if device_at else None})
    return visit


# ---------------------------------------------------------------- results and findings


def _item_of(visit: Visit, item) -> ChecklistItem:
    item_id = getattr(item, "pk", item)
    found = ChecklistItem.objects.filter(pk=item_id, section__template_id=visit.template_id).first()
    if found is None:
        raise ValidationError({"item": _("该检查项不属于本次检查的检查表。")})
    return found


@transaction.atomic
def item_result_record(*, visit: Visit, user, item, result: str, note: str = "") -> VisitItemResult:
    """Save one answer as given (upsert); the last answer for an item wins."""
    if result not in VisitItemResult.Result.values:
        raise ValidationError({"result": _("检查结果无效。")})
    visit = _locked(visit)
    actions.require(user, "visit.answer", visit)
    item = _item_of(visit, item)
    row, created = VisitItemResult.objects.update_or_create(
        visit=visit, item=item,
        defaults={"result": result, "note": note or "", "recorded_by": user, "recorded_at": timezone.now()},
    )
    audit(actor=user, action="visit.result", obj=row, organization=visit.school, visit=visit,
          after={"item": item.code, "result": result, "note": note or ""})
    return row


def _require_images(photos) -> None:
    """Photos of a finding must be images by their content (a PDF or a renamed file is refused)."""
    for photo in photos:
        head = photo.read(8192)
        photo.seek(0)
        try:
            kind = sniff(head)[1]
        except ValidationError:
            kind = None
        if kind != Attachment.Kind.IMAGE:
            raise ValidationError({"photos": _("“%(name)s”不是图片。") % {"name": getattr(photo, "name", "")}})


def _attach_photos(*, finding: Finding, photos, user, keep_original: bool = False) -> list[Attachment]:
    """Store the photos (content-sniffed, thumbnailed) and link them; on refusal no file stays behind."""
    if not photos:
        return []
    _require_images(photos)

    def link(attachments):
        finding.attachments.add(*attachments)
        return attachments

    return submit_with_evidence(uploads=photos, organization=finding.school, uploaded_by=user, action=link,
                                keep_original=keep_original)


@transaction.atomic
def finding_record(*, visit: Visit, user, description: str, item=None, severity: str | None = None,
                   hazard: bool | None = None, needs_rectification: bool = True, photos=(),
                   client_uuid: uuid.UUID | None = None) -> Finding:
    """Record a finding; severity and hazard default to the item's. A replayed client UUID returns the same row."""
    refusal = _("只有本次检查组成员可以记录问题。")
    _require_theirs(user, visit)
    if existing := replay_of(Finding.objects.filter(visit=visit), client_uuid, refusal=refusal):
        return existing
    visit = _locked(visit)
    actions.require(user, "visit.answer", visit)
    item = _item_of(visit, item) if item is not None else None
    if not (description or "").strip():
        raise ValidationError({"description": _("请填写问题描述。")})
    _require_images(photos or ())
    severity = severity or (item.severity if item else Severity.GENERAL)
    if severity not in Severity.values:
        raise ValidationError({"severity": _("严重程度无效。")})
    finding = Finding.objects.create(
        client_uuid=client_uuid, school=visit.school, visit=visit, item=item, description=description.strip(),
        severity=severity, hazard=item.hazard if hazard is None and item else bool(hazard),
        needs_rectification=needs_rectification, found_at=timezone.now(), found_by=user,
    )
    _attach_photos(finding=finding, photos=photos, user=user)
    audit(actor=user, action="visit.finding", obj=finding, organization=visit.school, visit=visit,
          after={"item": item.code if item else None, "severity": severity, "photos": len(photos or ())})
    return finding


@transaction.atomic
def finding_photos_add(*, finding: Finding, user, photos) -> Finding:
    visit = _locked(finding.visit)
    actions.require(user, "visit.answer", visit)
    if not photos:
        raise ValidationError({"photos": _("请选择照片。")})
    _attach_photos(finding=finding, photos=photos, user=user)
    audit(actor=user, action="visit.finding_photos", obj=finding, organization=visit.school, visit=visit,
          after={"photos": len(photos)})
    return finding


def _sha256_of(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def finding_photo_add(*, finding: Finding, user, photo, sha256: str = "") -> Attachment:
    """One photo from a tablet's outbox, kept byte for byte beside its clean copy. `sha256` is what the device
    computed before sending: a photo damaged on the way is refused, never stored as evidence."""
    visit = _locked(finding.visit)
    actions.require(user, "visit.answer", visit)
    if sha256 and _sha256_of(photo) != sha256.lower():
        raise ValidationError({"photo": _("照片在传输中损坏，请重新上传。")})
    (attachment,) = _attach_photos(finding=finding, photos=[photo], user=user, keep_original=True)
    audit(actor=user, action="visit.finding_photos", obj=finding, organization=visit.school, visit=visit,
          after={"photos": 1, "sha256": attachment.original_sha256})
    return attachment


@transaction.atomic
def finding_delete(*, finding: Finding, user) -> None:
    """A finding recorded by mistake can be removed while the record is still open."""
    visit = _locked(finding.visit)
    actions.require(user, "visit.answer", visit)
    audit(actor=user, action="visit.finding_delete", obj=visit, organization=visit.school, visit=visit,
          before={"finding": finding.pk, "description": finding.description})
    finding.attachments.clear()
    finding.delete()


# ---------------------------------------------------------------- progress


def visit_progress(visit: Visit) -> dict:
    """Answered / total items, and failed items still without a finding (these block signing)."""
    total = ChecklistItem.objects.filter(section__template_id=visit.template_id).count()
    results = {r.item_id: r.result for r in visit.results.all()}
    with_finding = set(visit.findings.exclude(item=None).values_list("item_id", flat=True))
    failed = [item_id for item_id, res in results.items() if res in actions.FINDING_REQUIRED_FOR]
    return {"answered": len(results), "total": total, "failed": len(failed),
            "failed_without_finding": [i for i in failed if i not in with_finding],
            "complete": len(results) == total and all(i in with_finding for i in failed)}


def _require_complete(visit: Visit) -> None:
    progress = visit_progress(visit)
    if progress["answered"] < progress["total"]:
        raise ValidationError({"results": _("还有 %(n)d 项未检查。") % {"n": progress["total"] - progress["answered"]}})
    if progress["failed_without_finding"]:
        raise ValidationError({"findings": _("不符合的检查项必须记录问题。")})


# ---------------------------------------------------------------- signature


@transaction.atomic
def visit_sign(*, visit: Visit, user, representative_name: str, signature_data_url: str) -> Visit:
    """The school's representative signs the record on the team's tablet; this ends the on-site work."""
    name = (representative_name or "").strip()
    if not name:
        raise ValidationError({"representative_name": _("请填写学校代表姓名。")})
    raw = signature_png(signature_data_url)
    visit = _locked(visit)
    actions.require(user, "visit.sign", visit)
    _require_complete(visit)
    visit.representative_name = name[:50]
    visit.representative_signature.save(f"visit-{visit.pk}.png", ContentFile(raw), save=False)
    visit.signed_at = visit.checkout_at = timezone.now()
    visit.save(update_fields=["representative_name", "representative_signature", "signed_at", "checkout_at"])
    task_complete(visit=visit, node="conduct", user=user)
    task_complete(visit=visit, node="sign", user=user)
    audit(actor=user, action="visit.sign", obj=visit, organization=visit.school, visit=visit,
          after={"representative_name": visit.representative_name})
    return visit


# ---------------------------------------------------------------- submit and review

def _plan_days(raw) -> int | None:
    if raw in (None, ""):
        return None
    try:
        days = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({"working_days": _("整改期限须为工作日天数（整数）。")}) from None
    if not 1 <= days <= thresholds.MAX_FINDING_WORKING_DAYS:
        raise ValidationError({"working_days": _("整改期限须在 1 至 %(max)s 个工作日之间。")
                               % {"max": thresholds.MAX_FINDING_WORKING_DAYS}})
    return days


def finding_plans_set(*, visit: Visit, plans: list[dict]) -> list[Finding]:
    """Draft the orders: each planned finding's requirement, deadline (working days) and whether it goes alone."""
    open_findings = {f.pk: f for f in visit.findings.filter(needs_rectification=True, order__isnull=True)}
    changed = []
    for plan in plans:
        raw = plan.get("finding")
        finding = open_findings.get(raw if type(raw) is int else int(raw) if str(raw).isdigit() else None)
        if finding is None:
            raise ValidationError({"plans": _("只能为本次检查中待整改的问题设置整改要求。")})
        finding.requirement = (plan.get("requirement") or "").strip()
        if len(finding.requirement) > limits.NOTE:
            raise ValidationError({"requirement": _("整改要求过长。")})
        finding.working_days, finding.own_order = _plan_days(plan.get("working_days")), bool(plan.get("own_order"))
        finding.save(update_fields=["requirement", "working_days", "own_order"])
        changed.append(finding)
    return changed



@transaction.atomic
def visit_submit(*, visit: Visit, user, summary: str | None = None) -> Visit:
    visit = _locked(visit)
    actions.require(user, "visit.submit", visit)
    _require_complete(visit)
    if summary is not None:
        visit.summary = summary.strip()
    visit.submitted_at = timezone.now()
    visit.save(update_fields=["summary", "submitted_at"])
    task_complete(visit=visit, node="submit", user=user)
    audit(actor=user, action="visit.submit", obj=visit, organization=visit.school, visit=visit)
    events.emit(events.VISIT_SUBMITTED, target=visit, actor=user)
    return visit


@transaction.atomic
def visit_review(*, visit: Visit, user, approve: bool, reason: str = "", plans: list[dict] | None = None) -> Visit:
    """A leader approves (the findings go out as orders, drafted by `plans`) or returns the record with a reason.

    `plans`: per finding needing rectification, its requirement, deadline in working days and whether it goes
    out alone (`finding_plans_set`); findings left out keep their defaults.
    """
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("退回时必须填写理由。")})
    visit = _locked(visit)
    actions.require(user, "visit.review", visit)
    if approve and plans:
        finding_plans_set(visit=visit, plans=plans)
    # The flow's decision gate reads review_approved; on approval its hand-over node issues the order.
    visit.reviewed_by, visit.reviewed_at, visit.review_note = user, timezone.now(), reason
    visit.review_approved = bool(approve)
    visit.save(update_fields=["reviewed_by", "reviewed_at", "review_note", "review_approved"])
    task_complete(visit=visit, node="review", user=user)
    audit(actor=user, action="visit.approve" if approve else "visit.return", obj=visit,
          organization=visit.school, visit=visit, after={"reason": reason})
    events.emit(events.VISIT_APPROVED if approve else events.VISIT_RETURNED, target=visit, actor=user, body=reason)
    visit.refresh_from_db()
    return visit
