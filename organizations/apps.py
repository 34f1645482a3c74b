from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("组织与权限")

    def ready(self):
        from . import access_cache, signals  # noqa: F401

        access_cache.connect_signals()
