from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    """A year of the official calendar entered by an admin.

    When a year is entered here it replaces what the chinesecalendar package
    says about it: weekends are days off unless listed as make-up working
    days, weekdays are working days unless listed as holidays.
    """

    year = models.PositiveIntegerField(_("年份"), unique=True)
    note = models.CharField(_("依据"), max_length=200, blank=True,
                            help_text=_("例如国务院办公厅关于该年部分节假日安排的通知"))
    entered_at = models.DateTimeField(_("录入时间"), auto_now=True)

    class Meta:
        verbose_name = _("官方日历年度")
        verbose_name_plural = _("官方日历年度")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("放假")
        WORKDAY = "workday", _("调休上班")

    year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("节日"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日/调休日")
        verbose_name_plural = _("节假日/调休日")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"


class Deadline(models.Model):
    """A due time counted in working days from a start date (the Asia/Shanghai issue date).

    Stored with its inputs so that it can be recomputed when the official
    schedule of a year it touches is entered (provisional → final). An approved
    extension stores the granted date itself, which no recomputation moves.
    """

    purpose = models.CharField(_("用途"), max_length=50)
    start_date = models.DateField(_("起算日"))
    working_days = models.PositiveIntegerField(_("工作日数"))
    granted_date = models.DateField(_("批准延至"), null=True, blank=True,
                                    help_text=_("批准延期后的截止日；设定后不再按工作日数推算"))
    due_at = models.DateTimeField(_("截止时间"))
    provisional = models.BooleanField(_("暂定"), default=False,
                                      help_text=_("涉及尚未公布节假日安排的年份，按周末估算"))
    is_open = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("期限")
        verbose_name_plural = _("期限")
        indexes = [models.Index(fields=["is_open", "provisional"])]

    def __str__(self):
        return f"{self.purpose}: {self.due_at:%Y-%m-%d}"


# Process models: viewflow's Process with the domain object attached.
from viewflow.workflow.models import Process  # noqa: E402


class RectificationProcess(Process):
    order = models.OneToOneField("inspections.RectificationOrder", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="process")

    class Meta:
        verbose_name = _("整改流程")
        verbose_name_plural = _("整改流程")


class VisitProcess(Process):
    visit = models.OneToOneField("inspections.Visit", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="process")

    class Meta:
        verbose_name = _("检查流程")
        verbose_name_plural = _("检查流程")


class ClueProcess(Process):
    clue = models.OneToOneField("inspections.Clue", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="process")

    class Meta:
        verbose_name = _("线索办理流程")
        verbose_name_plural = _("线索办理流程")


# Tasks: viewflow's Task, with the queue answered from the open-task index (workflows.routing).
from viewflow.workflow.managers import TaskQuerySet  # noqa: E402
from viewflow.workflow.models import Task  # noqa: E402


from organizations import access_cache  # noqa: E402
from workflows.routing import routed_to_any  # noqa: E402

# The flows whose tasks are RoutedTasks; each flow module adds its class here (routed_flow) when it is
# imported, so that the queue can name them without this module importing the flows above it.
ROUTED_FLOWS: list = []


def routed_flow(flow_class):
    """Class decorator of a Flow whose tasks viewflow's queue answers from the open-task index."""
    if flow_class not in ROUTED_FLOWS:
        ROUTED_FLOWS.append(flow_class)
    return flow_class


class RoutedTaskQuerySet(TaskQuerySet):
    def user_queue(self, user, flow_class=None):
        """viewflow's queue (its inbox, queue pages and menu counts call this), without the full grant scan."""
        flows = [flow_class] if flow_class is not None else list(ROUTED_FLOWS)
        queryset = self.filter(flow_task_type="HUMAN")
        if flow_class is not None:
            queryset = queryset.filter(process__flow_class=flow_class)
        if user.is_superuser:
            return queryset
        return queryset.filter(routed_to_any(user, flows))


    def filter_available(self, flow_classes, user):
        """viewflow's: the tasks of the flows the user may view. Its inbox and queue counts ask this on every
        shell page of a flow; each flow's flow-wide answer is kept per user (organizations.access_cache)."""
        return self.model.objects.coerce_for([
            flow_class for flow_class in flow_classes
            if access_cache.remembered(user, f"flow:{flow_class.__name__}",
                                       lambda flow_class=flow_class: flow_class.instance.has_view_permission(user))])


class RoutedTask(Task):
    objects = RoutedTaskQuerySet.as_manager()

    class Meta:
        proxy = True
