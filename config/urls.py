from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Application, Site

from inspections.visits import views as visits_pages
from inspections.clues import api as clues_api
from inspections.reports import api_ledger as ledger_api
from inspections.orders import api as orders_api
from inspections import api_urls as more_api
from inspections.visits import api as visits_api
from notifications import api as notifications_api
from organizations import api as organizations_api
from organizations import api_people as people_api
from programmes import api as programmes_api
from inspections.orders import views as order_pages
from inspections.clues import views as clue_pages
from inspections.campaigns import views as draw_pages
from selfchecks import api as selfchecks_api
from programmes import api_evaluations
from organizations.views import home
from security.api import obtain_token, revoke_token
from security.site import AuditApp
from webhooks import api as webhooks_api
from webhooks import views as webhook_pages
from workflows.rectification import RectificationFlowApp
from workflows.visit import VisitFlowApp
from workflows.clue import ClueFlowApp


class DudaoApp(Application):
    title = _("督导工作台")
    icon = "fact_check"
    app_name = "dudao"
    menu_template_name = "dudao/_app_menu.html"  # our pages are not viewsets: viewflow's menu would list none
    index_path = path("", home, name="index")


dudao_app = DudaoApp()
site = Site(
    title=_("督导"),
    viewsets=[dudao_app, VisitFlowApp(), RectificationFlowApp(), ClueFlowApp(), AuditApp()],
    primary_color="#b71c1c", secondary_color="#37474f",
)

api_v1 = [
    path("auth/token/", obtain_token, name="api-token"),
    path("auth/token/revoke/", revoke_token, name="api-token-revoke"),
]
api_v1 += visits_api.urlpatterns
api_v1 += orders_api.urlpatterns
api_v1 += ledger_api.urlpatterns
api_v1 += clues_api.urlpatterns
api_v1 += more_api.urlpatterns  # visit planning, clue steps, campaigns and draws, statistics
api_v1 += notifications_api.urlpatterns
api_v1 += organizations_api.urlpatterns
api_v1 += people_api.urlpatterns  # the admin screens' people, read only
api_v1 += programmes_api.urlpatterns
api_v1 += selfchecks_api.urlpatterns
api_v1 += api_evaluations.urlpatterns  # 绩效评价
api_v1 += webhooks_api.urlpatterns

urlpatterns = [
    path("accounts/", AuthViewset(with_profile_view=False).urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/", include(api_v1)),
    path("notifications/", include("notifications.urls")),
    path("visits/", visits_pages.urls),
    path("orders/", order_pages.urls),
    path("clues/", clue_pages.urls),
    path("draws/", draw_pages.urls),
    path("public/campaigns/", draw_pages.public_urls),
    path("reports/", include("inspections.reports.urls")),
    path("programmes/", include("programmes.urls")),  # 行动计划督办
    path("selfchecks/", include("selfchecks.urls")),  # 学校自查
    path("manage/webhooks/", include(webhook_pages.urls)),  # admins' event webhooks (before /manage/)
    path("manage/", include("organizations.views_admin")),  # admins' organisations and people
    path("", site.urls),
]

admin.site.site_header = _("督导 · 系统管理")
admin.site.site_title = _("督导")

if settings.DEBUG:  # media in development; production serves it through permission-checked views
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
