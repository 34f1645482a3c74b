from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from inspections import limits


class Kind(models.TextChoices):
    ROUTINE = "routine", _("常规检查")
    SPECIAL = "special", _("专项检查")
    SURPRISE = "surprise", _("突击检查")
    RANDOM = "random", _("随机抽查")


UNANNOUNCED_KINDS = (Kind.SURPRISE, Kind.RANDOM)


class Campaign(models.Model):
    """A themed campaign across many schools (专项检查 / 双随机)."""

    title = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.SPECIAL)
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    template = models.ForeignKey("inspections.ChecklistTemplate", on_delete=models.PROTECT,
                                 related_name="campaigns", verbose_name=_("检查表"))
    organiser = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT,
                                  related_name="campaigns", verbose_name=_("组织机构"))
    target_schools = models.ManyToManyField("organizations.Organization", blank=True, related_name="+",
                                            verbose_name=_("检查对象"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # 一公开: the public page shows results only once a leader has published them.
    results_published_at = models.DateTimeField(_("结果公布时间"), null=True, blank=True)
    results_published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                             on_delete=models.SET_NULL, related_name="+",
                                             verbose_name=_("结果公布人"))
    results_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    # 双随机 by risk: factor name → weight (inspections.campaigns.risk); empty keeps the plain weighting.
    risk_weights = models.JSONField(_("风险权重"), default=dict, blank=True)
    # 回头看: revisit schools whose orders were closed this many months ago; empty for other campaigns.
    revisit_months = models.PositiveSmallIntegerField(_("回头看（销号后月数）"), null=True, blank=True)

    class Meta:
        verbose_name = _("专项检查")
        verbose_name_plural = _("专项检查")
        ordering = ["-period_start", "-id"]

    def __str__(self):
        return self.title


class Visit(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("已计划")
        IN_PROGRESS = "in_progress", _("检查中")
        SIGNED = "signed", _("学校已签字")
        SUBMITTED = "submitted", _("待审核")
        RETURNED = "returned", _("退回修改")
        APPROVED = "approved", _("已审核")
        CANCELLED = "cancelled", _("已取消")

    class GeoStatus(models.TextChoices):
        OK = "ok", _("已定位")
        DENIED = "denied", _("拒绝定位")
        UNAVAILABLE = "unavailable", _("无法定位")

    client_uuid = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="visits", verbose_name=_("专项检查"))
    school = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT,
                               related_name="visits", verbose_name=_("学校"))
    organiser = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT,
                                  related_name="organised_visits", verbose_name=_("组织机构"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.ROUTINE)
    template = models.ForeignKey("inspections.ChecklistTemplate", on_delete=models.PROTECT,
                                 related_name="visits", verbose_name=_("检查表"))
    planned_date = models.DateField(_("计划日期"), db_index=True)
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, through="VisitTeamMember", related_name="visits",
                                  verbose_name=_("检查组"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PLANNED,
                              db_index=True)
    checkin_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checkin_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    checkin_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    checkin_accuracy = models.FloatField(_("定位精度（米）"), null=True, blank=True)
    checkin_geo_status = models.CharField(_("定位情况"), max_length=12, choices=GeoStatus.choices, blank=True)
    # A check-in made on a tablet without network: the time the device gave when the inspector pressed the
    # button (checkin_at stays the server's time of receipt), and the mark that it was captured offline.
    checkin_device_at = models.DateTimeField(_("签到设备时间"), null=True, blank=True)
    checkin_offline = models.BooleanField(_("离线签到"), default=False)
    checkout_at = models.DateTimeField(_("离校时间"), null=True, blank=True)
    representative_name = models.CharField(_("学校代表"), max_length=50, blank=True)
    representative_signature = models.ImageField(_("学校代表签字"), upload_to="signatures/%Y/%m/", blank=True)
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("审核人"))
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), max_length=limits.NOTE, blank=True)
    review_approved = models.BooleanField(_("审核通过"), null=True, blank=True,
                                          help_text=_("最近一次审核的结论，流程据此分支"))
    summary = models.TextField(_("检查意见"), max_length=limits.REPORT, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("督导检查")
        verbose_name_plural = _("督导检查")
        ordering = ["-planned_date", "-id"]
        indexes = [models.Index(fields=["school", "planned_date"])]

    def __str__(self):
        return f"{self.school} {self.planned_date} {self.get_kind_display()}"

    @property
    def is_unannounced(self) -> bool:
        return self.kind in UNANNOUNCED_KINDS


class VisitTeamMember(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_lead = models.BooleanField(_("组长"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["visit", "user"], name="uniq_team_member"),
            models.UniqueConstraint(fields=["visit"], condition=models.Q(is_lead=True), name="one_lead_per_visit"),
        ]


class VisitItemResult(models.Model):
    class Result(models.TextChoices):
        PASS = "pass", _("符合")
        FAIL = "fail", _("不符合")
        NOT_APPLICABLE = "na", _("不适用")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey("inspections.ChecklistItem", on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("结果"), max_length=4, choices=Result.choices)
    note = models.TextField(_("说明"), max_length=limits.NOTE, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "item"], name="uniq_visit_item")]
