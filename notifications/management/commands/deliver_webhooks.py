from django.core.management.base import BaseCommand

from notifications.delivery import deliver_due_webhooks


class Command(BaseCommand):
    help = "Retry webhook deliveries whose back-off has passed (the timer scheduler calls the same function)."

    def handle(self, *args, **options):
        self.stdout.write(f"webhook deliveries sent: {deliver_due_webhooks()}")
