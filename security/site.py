"""The audit viewer as an application of the viewflow site, so it lives inside the shell."""
from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from organizations import access_cache

from . import views
from .selectors import may_view_audit


class AuditApp(Application):
    title = _("安全审计")
    icon = "policy"
    app_name = "security"
    menu_template_name = "dudao/_app_menu.html"  # plain pages, no viewsets (see config.urls.DudaoApp)
    audit_path = path("audit/", views.audit_list, name="audit-list")
    export_path = path("audit/export.xlsx", views.audit_export_xlsx, name="audit-export")

    def has_view_permission(self, user, obj=None):
        # Anonymous visitors go on to login_required's redirect; signed-in non-admins get 403.
        # Asked by every shell page's menu: once per request, cached per user (organizations.access_cache).
        return not user.is_authenticated or access_cache.remembered(user, "audit-app", lambda: may_view_audit(user))
