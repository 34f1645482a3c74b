"""Complaint clues (线索 / 投诉): 12345 hotline, mailbox, phone, an inspector's own lead, API intake.

The complainant's name and contact are confidential: they are read only through
inspections.clues.selectors.clue_for_viewer, which masks them for everyone but
the registering staff, the triaging district and the city.
"""
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inspections import limits


class Clue(models.Model):
    class Source(models.TextChoices):
        HOTLINE = "hotline", _("12345热线")
        MAILBOX = "mailbox", _("督导信箱")
        PHONE = "phone", _("投诉电话")
        INSPECTOR = "inspector", _("督学发现")
        API = "api", _("系统接入")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("待分办")
        VERIFYING = "verifying", _("核查中")
        REPLYING = "replying", _("待答复")
        REPLIED = "replied", _("已答复")
        CLOSED = "closed", _("已办结")

    class Decision(models.TextChoices):
        OUT_OF_SCOPE = "out_of_scope", _("不属于督导范围")
        DESK_CHECK = "desk_check", _("书面核查")
        SURPRISE_VISIT = "surprise_visit", _("突击检查")

    class ReplyMethod(models.TextChoices):
        PHONE = "phone", _("电话")
        SMS = "sms", _("短信")
        LETTER = "letter", _("书面")
        HOTLINE = "hotline", _("通过12345平台")

    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    external_ref = models.CharField(_("外部编号"), max_length=64, blank=True,
                                    help_text=_("例如12345工单号"))
    received_at = models.DateTimeField(_("受理时间"))
    content = models.TextField(_("反映内容"), max_length=limits.REPORT)
    school = models.ForeignKey("organizations.Organization", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="clues", verbose_name=_("涉及学校"))
    district = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="triaged_clues",
                                 verbose_name=_("分办机构"))
    complainant_name = models.CharField(_("反映人"), max_length=50, blank=True)
    complainant_contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.REGISTERED,
                              db_index=True)
    decision = models.CharField(_("分办意见"), max_length=16, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("分办理由"), max_length=limits.NOTE, blank=True)
    desk_result = models.TextField(_("书面核查结果"), max_length=limits.REPORT, blank=True)
    substantiated = models.BooleanField(_("反映属实"), null=True, blank=True)
    visit = models.ForeignKey("inspections.Visit", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="clues", verbose_name=_("突击检查"))
    reply_text = models.TextField(_("答复内容"), max_length=limits.REPORT, blank=True)
    reply_date = models.DateField(_("答复日期"), null=True, blank=True)
    reply_method = models.CharField(_("答复方式"), max_length=10, choices=ReplyMethod.choices, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("登记人"))
    registered_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    intake_key = models.ForeignKey("inspections.ClueAccessKey", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="clues", verbose_name=_("接入密钥"))
    triaged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("分办人"))
    triaged_at = models.DateTimeField(_("分办时间"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("核查人"))
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("答复人"))
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("线索")
        verbose_name_plural = _("线索")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_ref"], condition=~Q(external_ref=""),
                                    name="uniq_clue_source_ref"),
            models.CheckConstraint(condition=~Q(source="hotline", external_ref=""),
                                   name="clue_hotline_needs_ref"),
        ]
        indexes = [models.Index(fields=["district", "status"])]

    def __str__(self):
        return f"{self.get_source_display()} {self.external_ref or self.pk}"

    def notification_scope(self):
        """The organisation whose viewers may hear of this clue: the school, else the triaging authority."""
        return self.school or self.district


class ClueSettings(models.Model):
    """Time limits (working days) for clue handling, per city; a city without a row uses the defaults."""

    DEFAULTS = {"triage_days": 1, "verify_days": 10, "reply_days": 2}

    city = models.OneToOneField("organizations.Organization", on_delete=models.CASCADE, related_name="clue_settings",
                                verbose_name=_("市教育局"))
    triage_days = models.PositiveSmallIntegerField(_("分办时限（工作日）"), default=1)
    verify_days = models.PositiveSmallIntegerField(_("核查时限（工作日）"), default=10)
    reply_days = models.PositiveSmallIntegerField(_("答复时限（工作日）"), default=2)

    class Meta:
        verbose_name = _("线索办理时限")
        verbose_name_plural = _("线索办理时限")


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ClueAccessKey(models.Model):
    """An API key of one organisation for clue intake; only the SHA-256 of the key is stored."""

    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE,
                                     related_name="clue_keys", verbose_name=_("机构"))
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("线索接入密钥")
        verbose_name_plural = _("线索接入密钥")

    def __str__(self):
        return f"{self.organization} · {self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, organization, name: str) -> tuple["ClueAccessKey", str]:
        """Create a key; the raw key is returned once and never stored."""
        raw = secrets.token_urlsafe(32)
        key = cls.objects.create(organization=organization, name=name, prefix=raw[:8], key_hash=hash_key(raw))
        return key, raw
