from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last sign of life of one background process (the timer scheduler), one row per host and process.

    In the database, not the cache: /readyz on any web worker must see a scheduler that runs on another
    machine, also in the embedded setup where the cache is per process.
    """

    process = models.CharField(_("进程"), max_length=40)
    host = models.CharField(_("主机"), max_length=200)
    pid = models.PositiveIntegerField(_("进程号"))
    started_at = models.DateTimeField(_("启动时间"))
    beat_at = models.DateTimeField(_("最近心跳"), db_index=True)
    # Totals since this process started: /metrics shows timers fired beside the timers still due.
    timers_fired = models.PositiveBigIntegerField(_("已触发定时器"), default=0)
    sweeps = models.PositiveBigIntegerField(_("轮询次数"), default=0)

    class Meta:
        verbose_name = _("进程心跳")
        verbose_name_plural = _("进程心跳")
        constraints = [models.UniqueConstraint(fields=["process", "host", "pid"], name="uniq_heartbeat")]

    def __str__(self):
        return f"{self.process}@{self.host}:{self.pid}"
