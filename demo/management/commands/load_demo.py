from django.core.management.base import BaseCommand

from demo.loader import load_demo
from organizations.demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Load the Jinan demo tree, the standard checklist and demo users (idempotent)."

    def handle(self, *args, **options):
        load_demo()
        self.stdout.write(self.style.SUCCESS(
            f"Demo data loaded: {len(DEMO_USERS)} demo users, password {DEMO_PASSWORD!r}."
        ))
