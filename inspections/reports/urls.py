"""URLs of the statistics, ledger, export, school and document pages (mounted at /reports/)."""
from django.urls import path

from inspections.reports import views as v

app_name = "reports"

urlpatterns = [
    path("", v.dashboard_view, name="dashboard"),
    path("ledger/", v.ledger_view, name="ledger"),
    path("exports/", v.exports_view, name="exports"),
    path("exports/<int:pk>/", v.export_view, name="export"),
    path("exports/<int:pk>/status/", v.export_status, name="export-status"),
    path("exports/<int:pk>/download/", v.export_download, name="export-download"),
    path("schools/<int:pk>/", v.school_view, name="school"),
    path("orders/<int:pk>/pdf/", v.order_pdf_view, name="order-pdf"),
    path("visits/<int:pk>/pdf/", v.visit_pdf_view, name="visit-pdf"),
]
