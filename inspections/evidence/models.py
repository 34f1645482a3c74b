import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _evidence_path(instance, filename):
    # The client's file name is never trusted: stored under a random name with the sniffed extension.
    return f"evidence/{instance.uploaded_at:%Y/%m}/{uuid.uuid4().hex}.{instance.extension}"


def _thumb_path(instance, filename):
    return f"thumbs/{instance.uploaded_at:%Y/%m}/{uuid.uuid4().hex}.jpg"


class Attachment(models.Model):
    """A photo or document of evidence, stored through Django's storage API."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("图片")
        DOCUMENT = "document", _("文档")

    file = models.FileField(_("文件"), upload_to=_evidence_path, max_length=300)
    # Visit photos keep the bytes the device sent, untouched, beside the clean re-encoded copy in `file`:
    # what a court checks is the original against its hash; what people look at is the clean copy.
    original = models.FileField(_("原始文件"), upload_to=_evidence_path, blank=True, max_length=300)
    original_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    thumbnail = models.ImageField(_("缩略图"), upload_to=_thumb_path, blank=True, max_length=300)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    content_type = models.CharField(_("内容类型"), max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64, db_index=True)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("所属学校"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"))
    captured_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # A school's rectification photo names the finding it answers: the "after" beside the finding's "before".
    answers_finding = models.ForeignKey("inspections.Finding", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="after_photos", verbose_name=_("对应问题"))

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self):
        return self.original_name or self.file.name
