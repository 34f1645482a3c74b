"""Fire due workflow timers, in a loop: the scheduler process of DESIGN.md.

Wraps viewflow's own dispatcher (viewflow.workflow.timers). It is safe to run
on several machines at once: every due task is fired inside its flow's lock
(RectificationFlow uses select_for_update on the process row) and re-read
there, so a timer another dispatcher already fired is seen as no longer
scheduled and skipped; one timer fires per transaction, so a sweep stopped
half-way leaves the rest due for the next sweep and nothing fires twice.
Scheduled process starts (flow.StartTimer) are not dispatched: Dudao has none,
and viewflow documents them as unsafe with more than one dispatcher.
"""
import logging
import time

from django.core.management.base import BaseCommand
from viewflow.workflow.timers import fire_due_conditions, fire_due_timers

import workflows.clue  # noqa: F401
import workflows.rectification  # noqa: F401
from inspections.campaigns.services import remind_due_publications
from inspections.reports.ledger import run_pending_exports
from notifications.delivery import deliver_due_webhooks, send_due_emails  # outboxes ride on the scheduler
from notifications.digest import send_digests_if_due
from ops.heartbeat import Beater
from programmes.services import supervise
from webhooks.outbox import deliver_due as deliver_due_event_webhooks  # the integrators' signed webhooks

log = logging.getLogger(__name__)


def sweep() -> tuple[int, int]:
    """One pass over everything due now; returns (timers fired, conditions fired)."""
    fired = fire_due_timers(), fire_due_conditions()
    deliver_due_webhooks()
    deliver_due_event_webhooks()
    send_due_emails()
    return fired


def daily_jobs() -> None:
    """Jobs that ride on the scheduler loop but not on each test's sweep(): the digest is once a day."""
    send_digests_if_due()
    run_pending_exports()  # large ledger exports run here, never in a web worker

    remind_due_publications()  # 一公开: the leader is reminded once the publication deadline has passed

    supervise()  # 督办: missing reports, lagging and overdue programme tasks, once each


class Command(BaseCommand):
    help = "Fire due workflow timers (reminders, overdue, escalation) every --interval seconds."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between sweeps (default 30)")
        parser.add_argument("--once", action="store_true", help="one sweep, then exit")

    def handle(self, *args, interval: float, once: bool, **options):
        beater = Beater()  # /readyz and /metrics read it: the scheduler is alive and how much it fired
        while True:
            timers, conditions = sweep()
            daily_jobs()
            beater.beat(fired=timers + conditions)
            if timers or conditions or once:
                self.stdout.write(f"{timers} timer(s) fired, {conditions} condition(s) fired")
            if once:
                return
            time.sleep(max(interval, 0.5))
