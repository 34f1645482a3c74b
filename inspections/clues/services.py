"""Clue services: register → triage → verify (desk check or surprise visit) → reply → close.

Keyword-only functions that authorise through the action policy (inspections.actions,
table in inspections.clues.actions), validate,
write once, audit once and move the clue's viewflow process
(workflows.clue.ClueFlow) in the same transaction. Bad input raises
ValidationError, a state that does not allow the action ClueConflict (409),
a person who may not act PermissionDenied.

Confidentiality: the complainant's name and contact never enter an audit
event or a notification; the audit keeps only whether they were recorded.
"""
import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications import events
from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm

from workflows.clue import ClueFlow, task_complete

from inspections.clues import actions
from inspections.audit.services import audit
from inspections.conflicts import ClueConflict
from inspections.clues.models import Clue, ClueAccessKey
from inspections.visits.services import visit_plan
from inspections.clues.models import hash_key


# ---------------------------------------------------------------- rules


def responsible_authority(school: Organization) -> Organization:
    """Who triages a clue about `school`: its district, or the city for a school directly under it."""
    return school.nearest("district") or school.nearest("city")


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _locked(clue: Clue) -> Clue:
    return Clue.objects.select_for_update(of=("self",)).select_related("district", "school").get(pk=clue.pk)


# ---------------------------------------------------------------- time limits


# ---------------------------------------------------------------- register


def _clean_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _district_for(*, school: Organization | None, district: Organization | None) -> Organization:
    if school is not None:
        if not school.is_school:
            raise ValidationError({"school": _("涉及学校必须是学校。")})
        return responsible_authority(school)
    if district is None or district.kind not in (Organization.Kind.DISTRICT, Organization.Kind.CITY):
        raise ValidationError({"district": _("未指明学校时必须指定分办的区县或市教育局。")})
    return district


def _validate_source(source: str, external_ref: str) -> None:
    if source not in Clue.Source.values:
        raise ValidationError({"source": _("线索来源无效。")})
    if source == Clue.Source.HOTLINE and not external_ref:
        raise ValidationError({"external_ref": _("12345热线线索必须填写工单号。")})


@transaction.atomic
def clue_register(*, source: str, content: str, received_at: dt.datetime, registered_by=None,
                  school: Organization | None = None, district: Organization | None = None,
                  external_ref: str = "", complainant_name: str = "", complainant_contact: str = "",
                  intake_key: ClueAccessKey | None = None) -> Clue:
    """Register a clue and start its flow; the district above the school (or the given one) triages it."""
    external_ref = (external_ref or "").strip()
    _validate_source(source, external_ref)
    content = _clean_text(content, "content", _("请填写反映内容。"))
    if received_at is None or timezone.is_naive(received_at):
        raise ValidationError({"received_at": _("受理时间必须带时区。")})
    district = _district_for(school=school, district=district)
    if intake_key is None:
        actions.require(registered_by, "clue.register", district)
    try:
        with transaction.atomic():
            clue = Clue.objects.create(
                source=source, external_ref=external_ref, received_at=received_at, content=content, school=school,
                district=district, complainant_name=(complainant_name or "").strip()[:50],
                complainant_contact=(complainant_contact or "").strip()[:100], registered_by=registered_by,
                intake_key=intake_key)
    except IntegrityError:
        raise ClueConflict(_("该来源的编号已登记。"), code="duplicate") from None
    audit(actor=registered_by, action="clue.register", obj=clue, organization=district,
          after={"source": source, "external_ref": external_ref, "school": school.pk if school else None,
                 "complainant_recorded": bool(clue.complainant_name or clue.complainant_contact)})
    ClueFlow.start.run(clue=clue)
    events.emit(events.CLUE_REGISTERED, target=clue, actor=registered_by)
    return clue


def key_for(raw_key: str | None) -> ClueAccessKey | None:
    """The active intake key matching a raw `X-Api-Key` value (compared by hash), or None."""
    if not raw_key:
        return None
    key = ClueAccessKey.objects.select_related("organization").filter(key_hash=hash_key(raw_key),
                                                                        is_active=True).first()
    if key is not None:
        ClueAccessKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


def clue_intake(*, key: ClueAccessKey, source: str, external_ref: str, content: str, received_at,
                school: Organization | None = None, complainant_name: str = "",
                complainant_contact: str = "") -> tuple[Clue, bool]:
    """A hotline system files a clue; a replay of (source, external_ref) returns the first one (created=False)."""
    external_ref = (external_ref or "").strip()
    if not external_ref:
        raise ValidationError({"external_ref": _("接入的线索必须带外部编号。")})
    if existing := _intake_replay(key, source, external_ref):
        return existing, False
    org = key.organization
    if school is not None and not school.path.startswith(org.path):
        raise PermissionDenied(_("该学校不在本密钥所属机构的范围内。"))
    district = None if school is not None else (org if not org.is_school else responsible_authority(org))
    try:
        return clue_register(source=source, external_ref=external_ref, content=content, received_at=received_at,
                             school=school, district=district, complainant_name=complainant_name,
                             complainant_contact=complainant_contact, intake_key=key), True
    except ClueConflict:  # a concurrent replay won the race: answer with its clue
        return _intake_replay(key, source, external_ref), False


def _intake_replay(key: ClueAccessKey, source: str, external_ref: str) -> Clue | None:
    """The clue filed earlier under this ticket number by a key of the same organisation.

    A ticket filed through another organisation's key is a conflict with no detail (not its id or state):
    an intake key must not read another district's clues by guessing or trying their ticket numbers."""
    existing = (Clue.objects.filter(source=source, external_ref=external_ref)
                .select_related("intake_key").first())
    if existing is None:
        return None
    if existing.intake_key is None or existing.intake_key.organization_id != key.organization_id:
        raise ClueConflict(_("该工单号已由其他渠道登记，请联系督导部门。"), code="conflict")
    return existing


# ---------------------------------------------------------------- triage and verify


@transaction.atomic
def clue_triage(*, clue: Clue, user, decision: str, reason: str = "", school: Organization | None = None) -> Clue:
    """The district leader decides: out of scope (with a reason), desk check, or surprise visit."""
    clue = _locked(clue)
    actions.require(user, "clue.triage", clue)
    if decision not in Clue.Decision.values:
        raise ValidationError({"decision": _("分办意见无效。")})
    reason = (reason or "").strip()
    if decision == Clue.Decision.OUT_OF_SCOPE and not reason:
        raise ValidationError({"reason": _("不属于督导范围时必须说明理由。")})
    if school is not None and clue.school_id is None:
        if not school.is_school or not school.path.startswith(clue.district.path):
            raise ValidationError({"school": _("该学校不属于本区县。")})
        clue.school = school
    if decision == Clue.Decision.SURPRISE_VISIT and clue.school_id is None:
        raise ValidationError({"school": _("安排突击检查须先确定涉及学校。")})
    clue.decision, clue.decision_reason = decision, reason
    clue.triaged_by, clue.triaged_at = user, timezone.now()
    clue.save(update_fields=["decision", "decision_reason", "school", "triaged_by", "triaged_at"])
    audit(actor=user, action="clue.triage", obj=clue, organization=clue.district,
          after={"decision": decision, "reason": reason, "school": clue.school_id})
    task_complete(clue=clue, node="triage", user=user)
    clue.refresh_from_db()
    return clue


@transaction.atomic
def clue_verify_desk(*, clue: Clue, user, result: str, substantiated: bool) -> Clue:
    """A district inspector records the desk-check result."""
    clue = _locked(clue)
    actions.require(user, "clue.verify_desk", clue)
    clue.desk_result = _clean_text(result, "result", _("请填写核查结果。"))
    clue.substantiated, clue.verified_by, clue.verified_at = bool(substantiated), user, timezone.now()
    clue.save(update_fields=["desk_result", "substantiated", "verified_by", "verified_at"])
    audit(actor=user, action="clue.verify_desk", obj=clue, organization=clue.district,
          after={"substantiated": clue.substantiated})
    task_complete(clue=clue, node="verify_desk", user=user)
    clue.refresh_from_db()
    return clue


@transaction.atomic
def clue_verify_visit(*, clue: Clue, user, planned_date: dt.date, lead, members=()) -> Clue:
    """Plan a surprise visit through the visits service and link it; the visit knows nothing of the complainant."""
    clue = _locked(clue)
    actions.require(user, "clue.verify_visit", clue)
    visit = visit_plan(school=clue.school, planned_date=planned_date, lead=lead, members=members,
                       planned_by=user, kind="surprise")
    clue.visit, clue.verified_by, clue.verified_at = visit, user, timezone.now()
    clue.save(update_fields=["visit", "verified_by", "verified_at"])
    audit(actor=user, action="clue.verify_visit", obj=clue, organization=clue.district, after={"visit": visit.pk})
    task_complete(clue=clue, node="verify_visit", user=user)
    clue.refresh_from_db()
    return clue


# ---------------------------------------------------------------- reply and close


@transaction.atomic
def clue_reply(*, clue: Clue, user, text: str, method: str, date: dt.date | None = None,
               substantiated: bool | None = None) -> Clue:
    """Record the reply to the complainant (text, date, method)."""
    clue = _locked(clue)
    actions.require(user, "clue.reply", clue)
    if method not in Clue.ReplyMethod.values:
        raise ValidationError({"method": _("答复方式无效。")})
    clue.reply_text = _clean_text(text, "text", _("请填写答复内容。"))
    clue.reply_method, clue.reply_date, clue.replied_by = method, date or timezone.localdate(), user
    if substantiated is not None:
        clue.substantiated = bool(substantiated)
    clue.save(update_fields=["reply_text", "reply_method", "reply_date", "replied_by", "substantiated"])
    audit(actor=user, action="clue.reply", obj=clue, organization=clue.district,
          after={"method": method, "date": clue.reply_date.isoformat()})
    task_complete(clue=clue, node="reply", user=user)
    events.emit(events.CLUE_REPLIED, target=clue, actor=user)
    clue.refresh_from_db()
    return clue


@transaction.atomic
def clue_close(*, clue: Clue, user) -> Clue:
    clue = _locked(clue)
    actions.require(user, "clue.close", clue)
    task_complete(clue=clue, node="close", user=user)
    audit(actor=user, action="clue.close", obj=clue, organization=clue.district)
    clue.refresh_from_db()
    return clue


# ---------------------------------------------------------------- intake keys


def may_manage_keys(user, organization: Organization) -> bool:
    return policy.can(user, Perm.MANAGE, organization) and not organization.is_school


@transaction.atomic
def clue_key_issue(*, organization: Organization, name: str, user) -> tuple[ClueAccessKey, str]:
    """Issue an intake key for an authority; the raw key is returned once, only its hash is kept."""
    _require(may_manage_keys(user, organization), _("只有管理员可以管理接入密钥。"))
    key, raw = ClueAccessKey.issue(organization=organization, name=_clean_text(name, "name", _("请填写名称。")))
    audit(actor=user, action="clue_key.issue", obj=key, organization=organization, after={"prefix": key.prefix})
    return key, raw


@transaction.atomic
def clue_key_revoke(*, key: ClueAccessKey, user) -> ClueAccessKey:
    _require(may_manage_keys(user, key.organization), _("只有管理员可以管理接入密钥。"))
    key.is_active = False
    key.save(update_fields=["is_active"])
    audit(actor=user, action="clue_key.revoke", obj=key, organization=key.organization, after={"prefix": key.prefix})
    return key
