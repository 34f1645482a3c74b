"""School self-inspection (自查自纠): a campaign asks its schools to run its checklist on themselves by a
date; the school's staff fill it and record what they found, the school leader signs the report, and each
self-found problem goes through the school's own lighter loop (plan → closure, no bureau order).

The bureau reads signed reports only (a draft is the school's working copy); the visit page and the
self-report agreement statistic (selfchecks.selectors) compare them with the inspectors' findings.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from inspections.models import Campaign, ChecklistItem, Severity
from inspections import limits
from organizations.models import Organization


class SelfCheckRequest(models.Model):
    """A campaign's requirement that its schools inspect themselves by `due_date`."""

    campaign = models.OneToOneField(Campaign, on_delete=models.PROTECT, related_name="selfcheck_request",
                                    verbose_name=_("专项检查"))
    due_date = models.DateField(_("自查截止日"))
    note = models.TextField(_("自查要求"), max_length=limits.NOTE, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("自查要求")
        verbose_name_plural = _("自查要求")
        ordering = ["-due_date", "-pk"]

    def __str__(self):
        return f"{self.campaign} · {self.due_date}"


class SelfCheck(models.Model):
    """One school's self-inspection for one request: the checklist results, the problems, the signature."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("填报中")
        SIGNING = "signing", _("待负责人签署")
        SIGNED = "signed", _("已签署")
        RETURNED = "returned", _("退回修改")

    client_uuid = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    request = models.ForeignKey(SelfCheckRequest, on_delete=models.PROTECT, related_name="selfchecks")
    school = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="selfchecks",
                               verbose_name=_("学校"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    summary = models.TextField(_("自查报告"), max_length=limits.REPORT, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("签署人"))
    signed_at = models.DateTimeField(_("签署时间"), null=True, blank=True)
    decision = models.CharField(max_length=10, blank=True)
    comment = models.TextField(_("负责人意见"), max_length=limits.NOTE, blank=True)
    late = models.BooleanField(_("逾期提交"), default=False)

    class Meta:
        verbose_name = _("学校自查")
        verbose_name_plural = _("学校自查")
        ordering = ["-pk"]
        constraints = [models.UniqueConstraint(fields=["request", "school"], name="uniq_selfcheck_school")]

    def __str__(self):
        return f"{self.school} · {self.request.campaign}"

    def notification_scope(self):
        return self.school


class SelfCheckResult(models.Model):
    class Result(models.TextChoices):
        PASS = "pass", _("符合")
        FAIL = "fail", _("不符合")
        NOT_APPLICABLE = "na", _("不适用")

    selfcheck = models.ForeignKey(SelfCheck, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("结果"), max_length=4, choices=Result.choices)
    note = models.TextField(_("说明"), max_length=limits.NOTE, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["selfcheck", "item"], name="uniq_selfcheck_item")]


class SelfFinding(models.Model):
    """A problem the school found itself, with its own plan and closure."""

    class Status(models.TextChoices):
        OPEN = "open", _("待制定整改措施")
        PLANNED = "planned", _("整改中")
        CLOSED = "closed", _("已整改")

    selfcheck = models.ForeignKey(SelfCheck, on_delete=models.CASCADE, related_name="findings")
    item = models.ForeignKey(ChecklistItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("检查项"))
    description = models.TextField(_("问题描述"), max_length=limits.FINDING)
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices, default=Severity.GENERAL)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    found_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    plan = models.TextField(_("整改措施"), max_length=limits.REPORT, blank=True)
    plan_due = models.DateField(_("计划完成日期"), null=True, blank=True)
    closure_note = models.TextField(_("整改结果"), max_length=limits.NOTE, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("自查问题")
        verbose_name_plural = _("自查问题")
        ordering = ["found_at", "pk"]

    def __str__(self):
        return self.description[:40]


class SelfCheckProcess(Process):
    # A foreign key, not one-to-one: a returned report is corrected and submitted again as a new process.
    selfcheck = models.ForeignKey(SelfCheck, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="processes")

    class Meta:
        verbose_name = _("自查报告签署流程")
        verbose_name_plural = _("自查报告签署流程")
