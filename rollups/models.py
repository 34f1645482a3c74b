"""Exact counts of rectification orders per school x issue month x status x severity (x, once closed, the
working days it took and whether it met its deadline: both are fixed from the closure on).

Kept in the same transaction as every change of an order's status (rollups.services, called by the
one status setter, inspections.orders.steps) and as an order's creation and deletion (rollups.signals),
so a dashboard can read a few hundred rows instead of aggregating tens of thousands of orders.
`manage.py check_rollups` recounts from the orders and reports (or, with --fix, repairs) any difference.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _

OPEN_DAYS = -1  # closed_days of an order that is not closed (or was closed without a closing time)


class OrderRollup(models.Model):
    school = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("学校"))
    period = models.DateField(_("下发月份"), help_text=_("下发时间所在月的第一天（北京时间）"))
    status = models.CharField(_("状态"), max_length=20)
    severity = models.CharField(_("最高严重程度"), max_length=10)
    # A closed order's closure figures; an open order (or one closed without a closing time) is in the
    # OPEN_DAYS bucket. Sentinels, not NULLs: NULLs never conflict in a unique index, so the upsert would not meet.
    closed_days = models.IntegerField(_("销号用时（工作日）"), default=OPEN_DAYS)
    on_time = models.BooleanField(_("按期销号"), default=False)
    orders = models.IntegerField(_("整改通知书数"), default=0)

    class Meta:
        verbose_name = _("整改统计汇总")
        verbose_name_plural = _("整改统计汇总")
        # The dashboards read by school, so the school leads. (No INCLUDE of `orders`: Django then drops the whole
        # constraint on SQLite, and the upsert needs it.)
        constraints = [models.UniqueConstraint(
            fields=["school", "period", "status", "severity", "closed_days", "on_time"], name="rollup_one_row_per_bucket")]

    def __str__(self):
        return f"{self.school_id} {self.period:%Y-%m} {self.status} {self.severity} {self.closed_days}: {self.orders}"
