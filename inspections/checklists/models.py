from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("较重")
    MAJOR = "major", _("重大")


class ChecklistTemplate(models.Model):
    """A checklist; a version in use is never edited — a copy with version+1 is made instead."""

    code = models.CharField(_("代码"), max_length=32)
    version = models.PositiveIntegerField(_("版本"), default=1)
    title = models.CharField(_("名称"), max_length=200)
    title_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    deadlines = models.JSONField(_("默认整改期限（工作日）"), default=dict)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="copies", verbose_name=_("复制自"))
    owner = models.ForeignKey("organizations.Organization", null=True, blank=True,
                              on_delete=models.PROTECT, verbose_name=_("所属机构"))
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("检查表")
        verbose_name_plural = _("检查表")
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="uniq_checklist_version")]

    def __str__(self):
        return f"{self.title} v{self.version}"


class ChecklistSection(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="sections")
    code = models.CharField(_("代码"), max_length=16)
    title = models.CharField(_("名称"), max_length=200)
    title_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["template", "order"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="uniq_section_code")]

    def __str__(self):
        return f"{self.code} {self.title}"


class ChecklistItem(models.Model):
    section = models.ForeignKey(ChecklistSection, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("代码"), max_length=16)
    title = models.CharField(_("检查内容"), max_length=300)
    title_en = models.CharField(_("英文"), max_length=300, blank=True)
    severity = models.CharField(_("默认严重程度"), max_length=10, choices=Severity.choices,
                                default=Severity.GENERAL)
    hazard = models.BooleanField(_("安全隐患"), default=False)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["section", "order"]
        constraints = [models.UniqueConstraint(fields=["section", "code"], name="uniq_item_code")]

    def __str__(self):
        return f"{self.code} {self.title}"
