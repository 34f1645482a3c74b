from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("事件推送")

    def ready(self):
        from notifications.events import emitted

        from .outbox import queue_for_event

        # Every emitted event (the one table, notifications.rules) is offered to the integrators' endpoints.
        emitted.connect(queue_for_event, dispatch_uid="webhooks.queue_for_event")
