import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _export_path(instance, filename):
    # Random names: a guessed URL never reaches another user's file (downloads are also permission-checked).
    return f"exports/{instance.created_at:%Y/%m}/{uuid.uuid4().hex}.xlsx"


class ExportJob(models.Model):
    """A ledger export to .xlsx, run by the background worker so no web worker waits for it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs",
                             verbose_name=_("用户"))
    filters = models.JSONField(_("筛选条件"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED,
                              db_index=True)
    progress = models.PositiveIntegerField(_("已导出行数"), default=0)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    file = models.FileField(_("文件"), upload_to=_export_path, blank=True, max_length=300)
    error = models.TextField(_("错误信息"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"export {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.progress * 100 / self.total) if self.total else 0
