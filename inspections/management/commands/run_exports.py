"""Run queued ledger exports outside the web workers (also called from run_timers' sweep)."""
import time

from django.core.management.base import BaseCommand

from inspections.reports.ledger import run_pending_exports


class Command(BaseCommand):
    help = "Write queued .xlsx ledger exports; --once for one pass, --loop to keep polling."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit (default)")
        parser.add_argument("--loop", action="store_true", help="poll every --interval seconds")
        parser.add_argument("--interval", type=float, default=5.0)

    def handle(self, *args, once: bool, loop: bool, interval: float, **options):
        while True:
            done = run_pending_exports()
            if done or not loop:
                self.stdout.write(f"{done} export(s) written")
            if not loop:
                return
            time.sleep(max(interval, 0.5))
