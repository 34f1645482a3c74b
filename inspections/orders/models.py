from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inspections import limits
from inspections.checklists.models import Severity


class Finding(models.Model):
    """A violation or hazard found at a school, with its evidence."""

    client_uuid = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    school = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT,
                               related_name="findings", verbose_name=_("学校"))
    visit = models.ForeignKey("inspections.Visit", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="findings", verbose_name=_("督导检查"))
    item = models.ForeignKey("inspections.ChecklistItem", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="findings", verbose_name=_("检查项"))
    description = models.TextField(_("问题描述"), max_length=limits.FINDING)
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices, default=Severity.GENERAL)
    hazard = models.BooleanField(_("安全隐患"), default=False)
    needs_rectification = models.BooleanField(_("需要整改"), default=True)
    attachments = models.ManyToManyField("inspections.Attachment", blank=True, related_name="findings",
                                         verbose_name=_("佐证材料"))
    found_at = models.DateTimeField(_("发现时间"))
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("发现人"))
    order = models.ForeignKey("inspections.RectificationOrder", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="findings", verbose_name=_("整改通知书"))
    # Set when the order is drafted (the review's issuing step): what the school must do about this finding and
    # by when; findings with the same deadline go out together (inspections.thresholds.order_groups).
    requirement = models.TextField(_("整改要求"), max_length=limits.NOTE, blank=True)
    working_days = models.PositiveSmallIntegerField(_("整改期限（工作日）"), null=True, blank=True)
    own_order = models.BooleanField(_("单独下发"), default=False)

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        ordering = ["found_at", "id"]
        indexes = [models.Index(fields=["school", "found_at"])]

    def __str__(self):
        return self.description[:40]


class OrderNumberCounter(models.Model):
    """The last number used per issuing organisation and year; locked row → no gaps, no duplicates."""

    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="uniq_order_counter")]


class OrderQuerySet(models.QuerySet):
    def overdue(self, now=None):
        """Orders overdue now: the school's turn and the deadline passed (never a closed one)."""
        return self.filter(overdue_q(now))


def overdue_q(now=None) -> Q:
    """The one meaning of overdue, as a filter (is_overdue below says the same of one order)."""
    return Q(status__in=SCHOOLS_TURN, deadline__due_at__lt=now or timezone.now())


class RectificationOrder(models.Model):
    class Status(models.TextChoices):
        ISSUED = "issued", _("待签收")
        RECTIFYING = "rectifying", _("整改中")
        REPORT_REVIEW = "report_review", _("报告待校内审核")
        RECHECKING = "rechecking", _("待复查")
        CLOSURE_REVIEW = "closure_review", _("待销号审批")
        CITY_REVIEW = "city_review", _("待市级审批")
        CLOSED = "closed", _("已销号")

    class ClosureDecision(models.TextChoices):
        APPROVED = "approved", _("同意销号")
        RETURNED = "returned", _("退回复查")

    client_uuid = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    issuer = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="issued_orders",
                               verbose_name=_("下发机关"))
    year = models.PositiveIntegerField(_("年度"))
    serial = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("文号"), max_length=60, unique=True)
    school = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="orders",
                               verbose_name=_("学校"))
    visit = models.ForeignKey("inspections.Visit", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="orders", verbose_name=_("督导检查"))
    requirements = models.TextField(_("整改要求"), max_length=limits.REPORT)
    severity = models.CharField(_("最高严重程度"), max_length=10, choices=Severity.choices)
    has_hazard = models.BooleanField(_("含安全隐患"), default=False)
    deadline = models.ForeignKey("workflows.Deadline", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("整改期限"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.ISSUED,
                              db_index=True)
    round = models.PositiveIntegerField(_("整改轮次"), default=1)
    closure_decision = models.CharField(_("销号审批意见"), max_length=10, choices=ClosureDecision.choices,
                                        blank=True, help_text=_("最近一次销号审批的结论，流程据此分支"))
    overdue_count = models.PositiveIntegerField(_("逾期次数"), default=0)
    escalation_level = models.PositiveSmallIntegerField(_("督办级别"), default=0,
                                                        help_text=_("0 未督办，1 区县督办，2 市级挂牌督办"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("下发人"))
    issued_at = models.DateTimeField(_("下发时间"))
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("签收人"))
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改通知书")
        verbose_name_plural = _("整改通知书")
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["issuer", "year", "serial"], name="uniq_order_serial")]
        indexes = [models.Index(fields=["school", "status"]), models.Index(fields=["issued_at", "id"])]

    def __str__(self):
        return self.number

    @property
    def is_schools_turn(self) -> bool:
        """Waiting on the school (to sign, report, or approve its report): it may ask for more time."""
        return self.status in SCHOOLS_TURN

    @property
    def is_overdue(self) -> bool:
        """Derived, never stored: the school's turn and past the deadline. A closed order is never overdue."""
        return self.is_schools_turn and timezone.now() > self.deadline.due_at


# The statuses in which the order waits on the school.
SCHOOLS_TURN = (RectificationOrder.Status.ISSUED, RectificationOrder.Status.RECTIFYING,
                RectificationOrder.Status.REPORT_REVIEW)


class RectificationReport(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待校内审核")
        APPROVED = "approved", _("已报送")
        RETURNED = "returned", _("校内退回")

    client_uuid = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    order = models.ForeignKey(RectificationOrder, on_delete=models.PROTECT, related_name="reports")
    round = models.PositiveIntegerField(_("轮次"))
    measures = models.TextField(_("整改措施"), max_length=limits.REPORT)
    attachments = models.ManyToManyField("inspections.Attachment", blank=True, related_name="reports",
                                         verbose_name=_("佐证材料"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("填报人"))
    submitted_at = models.DateTimeField(_("填报时间"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("审核人"))
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), max_length=limits.NOTE, blank=True)

    class Meta:
        verbose_name = _("整改报告")
        verbose_name_plural = _("整改报告")
        ordering = ["order", "round", "id"]


class Recheck(models.Model):
    class Method(models.TextChoices):
        ON_SITE = "on_site", _("现场复查")
        DOCUMENT = "document", _("书面复查")

    class Result(models.TextChoices):
        PASS = "pass", _("通过")
        FAIL = "fail", _("不通过")

    order = models.ForeignKey(RectificationOrder, on_delete=models.PROTECT, related_name="rechecks")
    round = models.PositiveIntegerField(_("轮次"))
    method = models.CharField(_("复查方式"), max_length=10, choices=Method.choices)
    result = models.CharField(_("复查结论"), max_length=4, choices=Result.choices)
    notes = models.TextField(_("复查意见"), max_length=limits.NOTE, blank=True)
    attachments = models.ManyToManyField("inspections.Attachment", blank=True, related_name="rechecks",
                                         verbose_name=_("佐证材料"))
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("复查人"))
    checked_at = models.DateTimeField(_("复查时间"))

    class Meta:
        verbose_name = _("复查")
        verbose_name_plural = _("复查")
        ordering = ["order", "round", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "round"], name="uniq_recheck_round")]


class ExtensionRequest(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("同意")
        REJECTED = "rejected", _("不同意")

    order = models.ForeignKey(RectificationOrder, on_delete=models.PROTECT, related_name="extensions")
    requested_deadline = models.DateField(_("申请延至"))
    reason = models.TextField(_("延期理由"), max_length=limits.NOTE)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"))
    decision = models.CharField(_("审批结果"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decision_note = models.TextField(_("审批意见"), max_length=limits.NOTE, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("审批人"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["order", "id"]
