"""Checklist templates as admins manage them: who may, copying a template as a new version, editing an item."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm, Role

from inspections.audit.services import audit
from inspections.conflicts import VisitConflict
from inspections.checklists.models import ChecklistItem, ChecklistSection, ChecklistTemplate, Severity


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def may_administer_checklists(user) -> bool:
    """The checklist screens are for admins (role admin: manage permission on some organisation)."""
    return policy.orgs_with(user, Perm.MANAGE).exists()


def may_manage_template(user, template: ChecklistTemplate) -> bool:
    """Owned templates by their owner's admins; the shared standard one by a city-level admin."""
    if template.owner_id:
        return policy.can(user, Perm.MANAGE, template.owner)
    return policy.orgs_with(user, Perm.MANAGE).filter(kind__in=("province", "city"), parent__isnull=True).exists()


def template_in_use(template: ChecklistTemplate) -> bool:
    return template.visits.exists() or template.campaigns.exists()


def _copy_rows(source: ChecklistTemplate, target: ChecklistTemplate) -> None:
    for section in source.sections.prefetch_related("items"):
        new_section = ChecklistSection.objects.create(template=target, code=section.code, title=section.title,
                                                      title_en=section.title_en, order=section.order)
        ChecklistItem.objects.bulk_create([
            ChecklistItem(section=new_section, code=i.code, title=i.title, title_en=i.title_en,
                          severity=i.severity, hazard=i.hazard, order=i.order)
            for i in section.items.all()
        ])


def latest_version(code: str) -> ChecklistTemplate | None:
    return ChecklistTemplate.objects.filter(code=code).order_by("-version").first()


def may_copy_as(user, code: str) -> bool:
    """A new code is any admin's; a code that exists may get a next version only from whoever manages it."""
    latest = latest_version(code)
    if latest is None:
        return may_administer_checklists(user)
    return may_manage_template(user, latest)


def _clean_code(code: str) -> str:
    code = (code or "").strip().upper()
    if not code or len(code) > 32 or not all(ch.isalnum() or ch in "-_" for ch in code):
        raise ValidationError({"code": _("代码只能包含字母、数字、“-”和“_”，最长 32 个字符。")})
    return code


@transaction.atomic
def checklist_copy(*, template: ChecklistTemplate, user, code: str | None = None,
                   title: str | None = None) -> ChecklistTemplate:
    """Copy a template: under a new code (version 1), or under an existing code as its next version."""
    _require(may_administer_checklists(user), _("只有管理员可以复制检查表。"))
    code = _clean_code(code) if code else template.code
    # Without this a district admin could slip a new version under the city's standard code.
    _require(may_copy_as(user, code), _("您无权为该代码的检查表发布新版本。"))
    latest = latest_version(code)
    last = latest.version if latest else 0
    owner = latest.owner if latest else _admin_org(user)
    try:
        with transaction.atomic():
            copy = ChecklistTemplate.objects.create(
                code=code, version=last + 1, title=title or template.title, title_en=template.title_en,
                deadlines=template.deadlines, based_on=template, owner=owner)
    except IntegrityError:
        raise VisitConflict(_("该检查表正在被他人修改，请重试。"), code="conflict") from None
    _copy_rows(template, copy)
    audit(actor=user, action="checklist.copy", obj=copy, organization=owner,
          after={"code": code, "version": copy.version, "based_on": template.pk})
    return copy


def _admin_org(user) -> Organization | None:
    rows = [m.organization for m in policy.roles_of(user) if m.role == Role.ADMIN]
    return min(rows, key=lambda org: len(org.path)) if rows else None


@transaction.atomic
def checklist_item_update(*, template: ChecklistTemplate, item_code: str, user, title: str | None = None,
                          severity: str | None = None, hazard: bool | None = None) -> ChecklistTemplate:
    """Edit one item. A template already used by a visit or campaign is never changed: the edit lands in version+1."""
    _require(may_manage_template(user, template), _("您无权修改该检查表。"))
    if severity is not None and severity not in Severity.values:
        raise ValidationError({"severity": _("严重程度无效。")})
    if title is not None and not 0 < len(title := title.strip()) <= 300:
        raise ValidationError({"title": _("检查内容须为 1 至 300 个字符。")})
    # Editing an older version would fork the history and drop the later versions' edits.
    if latest_version(template.code).pk != template.pk:
        raise VisitConflict(_("只能修改该检查表的最新版本。"), code="conflict")
    target = checklist_copy(template=template, user=user) if template_in_use(template) else template
    item = ChecklistItem.objects.filter(section__template=target, code=item_code).first()
    if item is None:
        raise ValidationError({"item": _("检查项不存在。")})
    before = {"title": item.title, "severity": item.severity, "hazard": item.hazard}
    item.title = title if title is not None else item.title
    item.severity = severity or item.severity
    item.hazard = item.hazard if hazard is None else bool(hazard)
    item.save(update_fields=["title", "severity", "hazard"])
    audit(actor=user, action="checklist.item_update", obj=item, organization=target.owner, before=before,
          after={"title": item.title, "severity": item.severity, "hazard": item.hazard, "version": target.version})
    return target
