import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications.digest import send_digests
from workflows.calendar import SHANGHAI


class Command(BaseCommand):
    help = "Send each user today's digest (due within 3 working days, overdue); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD (default: today in Asia/Shanghai)")

    def handle(self, *args, date=None, **options):
        today = dt.date.fromisoformat(date) if date else timezone.now().astimezone(SHANGHAI).date()
        sent = send_digests(today)
        self.stdout.write(f"digests sent: {sent}")
