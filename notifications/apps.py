from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from security.events import credentials_revoked


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("通知")

    def ready(self):
        from . import bell, consumers

        bell.connect_signals()  # single saves and deletes drop the recipient's cached bell
        credentials_revoked.connect(consumers.on_credentials_revoked, dispatch_uid="notifications.sockets_close")
