"""Check that every rectification order agrees with its flow; for operators after a crash or restore.

Prints one line per problem and exits with status 1 if there is any, so it can gate a restart.
"""
from django.core.management.base import BaseCommand, CommandError

import workflows.rectification  # noqa: F401
from inspections.models import RectificationOrder
from workflows.consistency import all_order_flow_problems


class Command(BaseCommand):
    help = "Report rectification orders whose status disagrees with their workflow process and tasks."

    def add_arguments(self, parser):
        parser.add_argument("order_ids", nargs="*", type=int, help="only these order ids (default: all)")
        parser.add_argument("--open-only", action="store_true", help="skip closed orders")

    def handle(self, *args, order_ids, open_only: bool, **options):

        orders = RectificationOrder.objects.all()
        if order_ids:
            orders = orders.filter(pk__in=order_ids)
        if open_only:
            orders = orders.exclude(status=RectificationOrder.Status.CLOSED)
        problems = all_order_flow_problems(orders)
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {orders.count()} order(s)")
        self.stdout.write(f"{orders.count()} order(s) consistent with their flows")
