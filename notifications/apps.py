from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("通知")

    def ready(self):
        from . import bell

        bell.connect_signals()  # single saves and deletes drop the recipient's cached bell
