from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView
from rest_framework.authtoken.views import obtain_auth_token
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Application, Site

from organizations.views import home


class DudaoApp(Application):
    title = _("督导工作台")
    icon = "fact_check"
    app_name = "dudao"
    index_path = path("", home, name="index")


site = Site(title=_("督导"), viewsets=[DudaoApp()], primary_color="#b71c1c", secondary_color="#37474f")

api_v1 = [
    path("auth/token/", obtain_auth_token, name="api-token"),
]

urlpatterns = [
    path("accounts/", AuthViewset(with_profile_view=False).urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/", include(api_v1)),
    path("", site.urls),
]

admin.site.site_header = _("督导 · 系统管理")
admin.site.site_title = _("督导")

if settings.DEBUG:  # media in development; production serves it through permission-checked views
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
