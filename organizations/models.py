from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import ROLE_KINDS, Role


class Organization(models.Model):
    """A node of the tree: province → city → district/county → school.

    `path` holds the primary keys from the root ("/1/4/17/") so that a whole
    subtree is one indexed prefix query.
    """

    class Kind(models.TextChoices):
        PROVINCE = "province", _("省教育厅")
        CITY = "city", _("市教育局")
        DISTRICT = "district", _("区县教体局")
        SCHOOL = "school", _("学校")
        # A responsible unit outside the education tree (a city department, a district government): it holds
        # programme tasks, never schools, so nobody placed there sees any school (it has no children).
        DEPARTMENT = "department", _("责任单位")

    ALLOWED_PARENTS = {
        "province": (None,),
        "city": (None, "province"),
        "district": ("city",),
        "school": ("city", "district"),
        "department": ("city", "district"),
    }

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    area = models.CharField(_("行政区"), max_length=50, blank=True)
    school_level = models.CharField(_("办学层次"), max_length=16, blank=True)
    doc_prefix = models.CharField(
        _("文号前缀"), max_length=20, blank=True,
        help_text=_("整改通知书文号的机关代字，例如“历下教督改”"),
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("组织机构")
        verbose_name_plural = _("组织机构")
        ordering = ["path"]
        permissions = [
            ("manage_organization", _("管理本机构及下级")),
            ("inspect_organization", _("督导检查")),
            ("lead_organization", _("督导审批")),
            ("sign_for_school", _("签收整改通知")),
            ("report_for_school", _("填报整改报告")),
            ("approve_for_school", _("审核学校整改报告")),
            ("report_for_unit", _("填报任务进展")),
            ("approve_for_unit", _("审核本单位任务进展")),
        ]

    def __str__(self):
        return self.short_name or self.name

    def clean(self):
        parent_kind = self.parent.kind if self.parent_id else None
        if parent_kind not in self.ALLOWED_PARENTS.get(self.kind, ()):
            raise ValidationError({"parent": _("该类型机构不能挂在此上级之下。")})
        if self.pk and self.parent_id and f"/{self.pk}/" in self.parent.path:
            raise ValidationError({"parent": _("上级不能是本机构或其下级。")})

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def ancestors_and_self(self):
        return Organization.objects.filter(pk__in=self.ancestor_ids())

    def subtree(self):
        return Organization.objects.filter(path__startswith=self.path)

    def nearest(self, kind: str):
        """The closest organisation of `kind` at or above this one, or None."""
        for org in sorted(self.ancestors_and_self(), key=lambda o: -len(o.path)):
            if org.kind == kind:
                return org
        return None

    @property
    def is_school(self) -> bool:
        return self.kind == self.Kind.SCHOOL


class Membership(models.Model):
    """A user holds a role at an organisation; it reaches the whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"),
        on_delete=models.CASCADE, related_name="memberships",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="memberships",
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "role"], name="uniq_membership"),
        ]

    def __str__(self):
        return f"{self.user} · {self.organization} · {self.get_role_display()}"

    def clean(self):
        # An unknown role has its own field error already; here only a known role at the wrong kind of unit.
        if self.organization_id and self.role in ROLE_KINDS and self.organization.kind not in ROLE_KINDS[self.role]:
            raise ValidationError({"role": _("该角色不能在此类型机构授予。")})


class RoleGroup(models.Model):
    """The auth group standing for one (organisation, role); guardian grants go to it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="role_groups")
    role = models.CharField(max_length=20, choices=Role.choices)
    group = models.OneToOneField("auth.Group", on_delete=models.CASCADE, related_name="role_group")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "role"], name="uniq_role_group"),
        ]

    def __str__(self):
        return self.group.name
