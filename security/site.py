"""The audit viewer as an application of the viewflow site, so it lives inside the shell."""
from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

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
        return not user.is_authenticated or may_view_audit(user)
