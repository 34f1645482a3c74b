"""Action plans (行动计划): programmes with phases, the task list, indicators, progress reports and 督办 notices.

A task's responsible units are organisations: education authorities or departments outside the
education tree (organizations.Organization.Kind.DEPARTMENT). Report status is written only by the
report flow's steps (programmes.steps); a task's board status is derived (programmes.status).
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from organizations.models import Organization


class Programme(models.Model):
    code = models.CharField(_("代码"), max_length=40, unique=True)
    title = models.CharField(_("名称"), max_length=200)
    issuer = models.ForeignKey(Organization, verbose_name=_("印发机构"), on_delete=models.PROTECT,
                               related_name="programmes",
                               help_text=_("计划办所在机构：其督导领导审核各单位报送的进展"))
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("结束日期"))
    description = models.TextField(_("说明"), blank=True)
    # The campaigns run under the plan and the checklists it inspects with (readers see only the campaigns
    # they may see: programmes.selectors.linked_campaigns).
    campaigns = models.ManyToManyField("inspections.Campaign", verbose_name=_("关联专项检查"), blank=True,
                                       related_name="programmes")
    checklists = models.ManyToManyField("inspections.ChecklistTemplate", verbose_name=_("关联检查表"), blank=True,
                                        related_name="programmes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("行动计划")
        verbose_name_plural = _("行动计划")
        ordering = ["-starts_on", "pk"]

    def __str__(self):
        return self.title


class Phase(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="phases")
    seq = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("阶段"), max_length=50)
    starts_on = models.DateField(_("开始"))
    ends_on = models.DateField(_("结束"))

    class Meta:
        verbose_name = _("实施阶段")
        verbose_name_plural = _("实施阶段")
        ordering = ["programme", "seq"]
        constraints = [models.UniqueConstraint(fields=["programme", "seq"], name="uniq_programme_phase")]

    def __str__(self):
        return self.name


class ProgrammeTask(models.Model):
    class Cycle(models.TextChoices):
        MONTHLY = "monthly", _("按月报送")
        QUARTERLY = "quarterly", _("按季度报送")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="tasks")
    no = models.PositiveIntegerField(_("序号"))
    area = models.CharField(_("重点工作"), max_length=100)
    title = models.CharField(_("任务"), max_length=200)
    target = models.TextField(_("任务目标"))
    lead_unit = models.ForeignKey(Organization, verbose_name=_("牵头单位"), on_delete=models.PROTECT,
                                  related_name="led_programme_tasks")
    co_units = models.ManyToManyField(Organization, verbose_name=_("配合单位"), blank=True,
                                      related_name="co_programme_tasks")
    departments_text = models.TextField(_("责任部门（原文）"), blank=True)
    deadline_text = models.CharField(_("完成时限（原文）"), max_length=40, blank=True)
    due_date = models.DateField(_("完成期限"), null=True, blank=True,
                                help_text=_("只写到月份的期限为该月最后一天；持续推进的任务没有期限"))
    cycle = models.CharField(_("报送周期"), max_length=10, choices=Cycle.choices, default=Cycle.QUARTERLY)

    class Meta:
        verbose_name = _("工作任务")
        verbose_name_plural = _("工作任务")
        ordering = ["programme", "no"]
        constraints = [models.UniqueConstraint(fields=["programme", "no"], name="uniq_programme_task_no")]

    def __str__(self):
        return f"{self.no}. {self.title}"

    def notification_scope(self):
        # Who may hear of this task: those who see its lead unit (its own people and the authority above).
        return self.lead_unit


class Indicator(models.Model):
    class Kind(models.TextChoices):
        NUMBER = "number", _("数量指标")
        MILESTONE = "milestone", _("完成节点")

    task = models.ForeignKey(ProgrammeTask, on_delete=models.CASCADE, related_name="indicators")
    seq = models.PositiveSmallIntegerField(_("序号"), default=1)
    name = models.CharField(_("指标"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    target_value = models.DecimalField(_("目标值"), max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("量化指标")
        verbose_name_plural = _("量化指标")
        ordering = ["task", "seq"]
        constraints = [models.UniqueConstraint(fields=["task", "seq"], name="uniq_task_indicator")]

    def __str__(self):
        return self.name


class ProgressReport(models.Model):
    class Status(models.TextChoices):
        SIGNING = "signing", _("待单位负责人审核")
        REVIEWING = "reviewing", _("待计划办审核")
        ACCEPTED = "accepted", _("已采纳")
        RETURNED = "returned", _("已退回")

    # The caller's UUID, so a retried or replayed create never files twice (inspections.idempotency.services).
    client_uuid = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    task = models.ForeignKey(ProgrammeTask, on_delete=models.PROTECT, related_name="reports")
    unit = models.ForeignKey(Organization, verbose_name=_("报送单位"), on_delete=models.PROTECT,
                             related_name="programme_reports")
    period = models.CharField(_("报送期"), max_length=8)
    period_end = models.DateField(_("报送期末"))
    narrative = models.TextField(_("进展情况"))
    evidence = models.FileField(_("佐证材料"), upload_to="programmes/%Y/%m/", blank=True)
    evidence_name = models.CharField(max_length=120, blank=True)
    evidence_type = models.CharField(max_length=40, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.SIGNING)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("报送时间"), auto_now_add=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # The decision the person took at the open step; the flow's named decisions read it.
    decision = models.CharField(max_length=10, blank=True)
    comment = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["task", "period"])]

    def __str__(self):
        return f"{self.task} · {self.period}"

    def notification_scope(self):
        return self.unit


class IndicatorValue(models.Model):
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    value = models.DecimalField(_("完成值"), max_digits=14, decimal_places=2, null=True, blank=True)
    done = models.BooleanField(_("已完成"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "indicator"], name="uniq_report_indicator")]


class SupervisionNotice(models.Model):
    """One 督办 notice: a missing report, a lagging or an overdue task. Unique per task, kind and period,
    so a scheduler that runs every 30 seconds (or on two machines) tells people once."""

    class Kind(models.TextChoices):
        MISSING = "missing", _("未按期报送")
        LAGGING = "lagging", _("进度滞后")
        OVERDUE = "overdue", _("逾期未完成")

    task = models.ForeignKey(ProgrammeTask, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    period = models.CharField(_("报送期"), max_length=8, blank=True)
    day = models.DateField(_("督办日"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("督办记录")
        verbose_name_plural = _("督办记录")
        ordering = ["-day", "-pk"]
        constraints = [models.UniqueConstraint(fields=["task", "kind", "period"], name="uniq_supervision_notice")]

    def __str__(self):
        return f"{self.task} · {self.get_kind_display()} {self.period}"

    def notification_scope(self):
        return self.task.lead_unit


class ReportProcess(Process):
    report = models.OneToOneField(ProgressReport, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="process")

    class Meta:
        verbose_name = _("进展报告审核流程")
        verbose_name_plural = _("进展报告审核流程")


class FilingRequest(models.Model):
    """备案: the programme asks districts and schools to file a document by a date: their implementation plan
    (reviewed by the programme office) or the year's quality report (reviewed by the school's own authority,
    programmes.actions.review_office). One model and one flow for both: the same rounds, lateness and board."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("工作方案备案")
        QUALITY_REPORT = "quality", _("质量年度报告")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="filing_requests")
    title = models.CharField(_("名称"), max_length=200)
    due_date = models.DateField(_("备案截止日"))
    filers = models.ManyToManyField(Organization, verbose_name=_("备案单位"), related_name="filing_requests")
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices, default=Kind.PLAN)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    # The key figures each filer reports with the document: [{"key", "label", "unit"}] (programmes.figures).
    figure_spec = models.JSONField(_("关键数据项"), default=list, blank=True)

    class Meta:
        verbose_name = _("备案要求")
        verbose_name_plural = _("备案要求")
        ordering = ["-due_date", "pk"]

    def __str__(self):
        return self.title


class PlanFiling(models.Model):
    """One round of a unit's filing: a document and its key dates; the programme office accepts or returns it."""

    class Status(models.TextChoices):
        REVIEWING = "reviewing", _("待审核")
        ACCEPTED = "accepted", _("已备案")
        RETURNED = "returned", _("已退回")

    client_uuid = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    request = models.ForeignKey(FilingRequest, on_delete=models.PROTECT, related_name="filings")
    filer = models.ForeignKey(Organization, verbose_name=_("备案单位"), on_delete=models.PROTECT,
                              related_name="plan_filings")
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    document = models.FileField(_("工作方案"), upload_to="filings/%Y/%m/")
    document_name = models.CharField(max_length=120, blank=True)
    document_type = models.CharField(max_length=40, blank=True)
    key_dates = models.TextField(_("关键时间节点"), blank=True)
    figures = models.JSONField(_("关键数据"), default=dict, blank=True)
    late = models.BooleanField(_("逾期备案"), default=False,
                               help_text=_("截止日之后报送：照常受理，标记为逾期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.REVIEWING)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("报送时间"), auto_now_add=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=10, blank=True)
    comment = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("工作方案备案")
        verbose_name_plural = _("工作方案备案")
        ordering = ["-pk"]
        constraints = [models.UniqueConstraint(fields=["request", "filer", "round"], name="uniq_filing_round")]

    def __str__(self):
        return f"{self.request} · {self.filer} · {self.round}"

    def notification_scope(self):
        return self.filer


class FilingNotice(models.Model):
    """The one overdue notice of a unit that has not filed by the deadline."""

    request = models.ForeignKey(FilingRequest, on_delete=models.CASCADE, related_name="notices")
    filer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "filer"], name="uniq_filing_notice")]

    def notification_scope(self):
        return self.filer


class FilingProcess(Process):
    filing = models.OneToOneField(PlanFiling, null=True, blank=True, on_delete=models.PROTECT, related_name="process")

    class Meta:
        verbose_name = _("工作方案备案审核流程")
        verbose_name_plural = _("工作方案备案审核流程")


class Evaluation(models.Model):
    """绩效评价: a scorecard per school and per district for a period of a programme. The weights live on
    versions; a published version is never changed (new weights make a new version)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="evaluations")
    title = models.CharField(_("名称"), max_length=200)
    period_start = models.DateField(_("评价期起"))
    period_end = models.DateField(_("评价期止"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("绩效评价")
        verbose_name_plural = _("绩效评价")
        ordering = ["-period_end", "-pk"]

    def __str__(self):
        return self.title

    def notification_scope(self):
        return self.programme.issuer


class EvaluationVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已公布")

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("版本"))
    # {"weights": {input: points}, "severity_points": {severity: points}, "findings_cap": points}
    # (programmes.scoring.DEFAULT_SCHEME); frozen with the scorecards at publication.
    scheme = models.JSONField(_("权重方案"))
    reason = models.CharField(_("调整说明"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        verbose_name = _("评价版本")
        verbose_name_plural = _("评价版本")
        ordering = ["evaluation", "-number"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "number"], name="uniq_evaluation_version")]

    def __str__(self):
        return f"{self.evaluation} · v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Scorecard(models.Model):
    class Level(models.TextChoices):
        DISTRICT = "district", _("区县")
        SCHOOL = "school", _("学校")

    version = models.ForeignKey(EvaluationVersion, on_delete=models.CASCADE, related_name="scorecards")
    unit = models.ForeignKey(Organization, verbose_name=_("被评价单位"), on_delete=models.PROTECT,
                             related_name="scorecards")
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    # input name → {"value": 0..1 as a decimal string or null when absent, and the counts it came from}
    inputs = models.JSONField(_("评价数据"))
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2)
    rank = models.PositiveIntegerField(_("排名"))
    comment = models.TextField(_("评语"), blank=True)
    comment_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    comment_reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="+")
    comment_reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("评价结果")
        verbose_name_plural = _("评价结果")
        ordering = ["version", "level", "rank", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["version", "unit"], name="uniq_scorecard_unit")]

    def __str__(self):
        return f"{self.unit} · {self.score}"

    def notification_scope(self):
        return self.unit
