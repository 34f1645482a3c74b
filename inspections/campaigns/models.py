"""双随机: the conflict register, draws (seed + inputs + result) and the assignments they publish.

A draw is a record from which the same result can be computed again
(inspections.campaigns.draw_algorithm.draw with the stored seed and inputs). Once published it is
frozen: the model refuses any change, and a re-draw is a new row pointing at
the one it supersedes, with a reason.
"""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from inspections import limits


class Conflict(models.Model):
    """An inspector must not be sent to this school (kinship, former post, ...); kept by admins."""

    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflicts",
                                  verbose_name=_("督学"))
    school = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="conflicts",
                               verbose_name=_("学校"))
    reason = models.CharField(_("回避理由"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("回避登记")
        verbose_name_plural = _("回避登记")
        constraints = [models.UniqueConstraint(fields=["inspector", "school"], name="uniq_conflict")]

    def __str__(self):
        return f"{self.inspector} ↔ {self.school}"


class FrozenDrawError(ValidationError):
    """A published draw was about to change."""


class DrawQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if self.filter(status=Draw.Status.PUBLISHED).exists():
            raise FrozenDrawError(_("已公布的抽取结果不能修改。"))
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=Draw.Status.PUBLISHED).exists():
            raise FrozenDrawError(_("已公布的抽取结果不能删除。"))
        return super().delete()


class Draw(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已公布")

    campaign = models.ForeignKey("inspections.Campaign", on_delete=models.PROTECT, related_name="draws",
                                 verbose_name=_("专项检查"))
    seed = models.CharField(_("随机种子"), max_length=64)
    inputs = models.JSONField(_("抽取条件"))
    result = models.JSONField(_("抽取结果"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("抽取人"))
    created_at = models.DateTimeField(_("抽取时间"), auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("公布人"))
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by", verbose_name=_("取代"))
    redraw_reason = models.TextField(_("重新抽取理由"), max_length=limits.NOTE, blank=True)

    objects = DrawQuerySet.as_manager()

    class Meta:
        verbose_name = _("随机抽取")
        verbose_name_plural = _("随机抽取")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.campaign} #{self.pk}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def save(self, *args, **kwargs):
        # Checked against the stored row, so an in-memory copy cannot un-publish a record either.
        if self.pk and Draw.objects.filter(pk=self.pk, status=self.Status.PUBLISHED).exists():
            raise FrozenDrawError(_("已公布的抽取结果不能修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk and Draw.objects.filter(pk=self.pk, status=self.Status.PUBLISHED).exists():
            raise FrozenDrawError(_("已公布的抽取结果不能删除。"))
        return super().delete(*args, **kwargs)


class DrawAssignment(models.Model):
    """One drawn school and one inspector of its team; written only at publication."""

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="assignments")
    school = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("学校"))
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("督学"))
    is_lead = models.BooleanField(_("组长"), default=False)
    visit = models.ForeignKey("inspections.Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("抽取分组")
        verbose_name_plural = _("抽取分组")
        ordering = ["draw", "school", "-is_lead", "inspector"]
        constraints = [models.UniqueConstraint(fields=["draw", "school", "inspector"], name="uniq_draw_assignment")]

    def save(self, *args, **kwargs):
        if Draw.objects.filter(pk=self.draw_id, status=Draw.Status.PUBLISHED).exists():
            raise FrozenDrawError(_("已公布的抽取结果不能修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if Draw.objects.filter(pk=self.draw_id, status=Draw.Status.PUBLISHED).exists():
            raise FrozenDrawError(_("已公布的抽取结果不能删除。"))
        return super().delete(*args, **kwargs)
