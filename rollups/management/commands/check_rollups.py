"""manage.py check_rollups [--fix]: recount the order rollup from the orders and report any difference."""
from django.core.management.base import BaseCommand, CommandError

from rollups import recount


class Command(BaseCommand):
    help = "Recount rollups.OrderRollup from the orders; report differences (exit 1), or rebuild with --fix."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="replace the rollup by the recount")

    def handle(self, *args, fix=False, **options):
        found = recount.differences()
        for (school, period, status, severity, days, on_time), (have, want) in sorted(found.items(), key=str)[:50]:
            closure = f" {days} working days{' on time' if on_time else ''}" if days >= 0 else ""
            self.stdout.write(f"school {school} {period:%Y-%m} {status} {severity}{closure}: "
                              f"rollup {have}, recount {want}")
        if found and fix:
            self.stdout.write(f"rebuilt: {recount.rebuild()} rows")
        elif found:
            raise CommandError(f"{len(found)} rollup bucket(s) differ from a recount")
        else:
            self.stdout.write("rollup matches a recount")
