"""`/admin/` belongs to the platform operator alone.

Django's admin knows nothing of the organisation tree, so any role admin let in as staff could reach past
their subtree (create a root, move their district, edit the city's checklist or calendar). District and
school admins use the app's own screens, which ask the access policy; here only active superusers enter.
"""
from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class OperatorAdminSite(AdminSite):
    site_header = _("督导平台运维")
    site_title = _("督导平台运维")

    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and user.is_superuser)


class OperatorAdminConfig(AdminConfig):
    default_site = "config.admin_site.OperatorAdminSite"
