"""The scheduler's heartbeat: written once per sweep by `manage.py run_timers`, read by /readyz and /metrics."""
import os
import socket
from datetime import timedelta

from django.utils import timezone

SCHEDULER = "scheduler"
# Rows of processes gone this long are deleted at the next beat, so restarts do not pile up rows.
FORGET_AFTER = timedelta(days=7)


class Beater:
    """One process's heartbeat row; `beat()` after each sweep adds what the sweep fired."""

    def __init__(self, process: str = SCHEDULER):
        self.key = {"process": process, "host": socket.gethostname()[:200], "pid": os.getpid()}
        self.started_at = timezone.now()

    def beat(self, *, fired: int = 0) -> None:
        from django.db.models import F

        from .models import Heartbeat

        now = timezone.now()
        updated = Heartbeat.objects.filter(**self.key).update(
            beat_at=now, timers_fired=F("timers_fired") + fired, sweeps=F("sweeps") + 1)
        if not updated:  # first beat of this process
            Heartbeat.objects.create(**self.key, started_at=self.started_at, beat_at=now,
                                     timers_fired=fired, sweeps=1)
            Heartbeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()


def last_beat(process: str = SCHEDULER):
    """The newest heartbeat of any instance of `process`, or None if it never ran against this database."""
    from .models import Heartbeat

    return Heartbeat.objects.filter(process=process).order_by("-beat_at").values_list("beat_at", flat=True).first()
