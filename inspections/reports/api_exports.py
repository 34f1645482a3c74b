"""REST API for the ledger's Excel export (台账导出), as the exports page does it: ask for one with the
ledger's filters, poll its state, download the file.

`ledger.export_request` writes a small export at once and queues a large one for the worker;
`ledger.get_export_for_user` lets only the person who asked see or download it (404 for anyone else).
The sheet holds only the orders the person sees (the ledger's own scope).
"""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from inspections.reports import ledger
from inspections.api.errors import Conflict, field_errors
from inspections.reports.api_stats import FILTERS
from inspections.orders.models import RectificationOrder
from inspections.reports.models import ExportJob

NOT_YOURS = {404: OpenApiResponse(description="不存在或不是我的 / not yours")}


class ExportSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    download_url = serializers.SerializerMethodField(help_text="完成后的下载地址（API） / when done")

    class Meta:
        model = ExportJob
        fields = ["id", "status", "progress", "total", "percent", "error", "filters", "created_at", "finished_at",
                  "download_url"]

    def get_download_url(self, job) -> str | None:
        done = job.status == ExportJob.Status.DONE and job.file
        return reverse("api-ledger-export-download", args=[job.pk]) if done else None


class ExportRequestSerializer(serializers.Serializer):
    """The ledger's filters (all optional), as the ledger page and `GET /api/v1/ledger/` take them."""

    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    campaign = serializers.IntegerField(required=False, min_value=1)
    section = serializers.IntegerField(required=False, min_value=1)
    org = serializers.IntegerField(required=False, min_value=1)
    severity = serializers.CharField(required=False, max_length=10)
    status = serializers.ChoiceField(required=False, choices=RectificationOrder.Status.choices)
    overdue = serializers.BooleanField(required=False)


class ExportCreate(APIView):
    @extend_schema(request=ExportRequestSerializer, responses={201: ExportSerializer, 400: OpenApiResponse(
        description="字段错误 / bad input")}, operation_id="ledger_exports_create",
        description="导出台账（Excel）。小的立即生成，大的排队由后台生成；轮询 GET 直到 status=done。")
    def post(self, request):
        try:  # the ledger's one reader of its filters: unknown values and impossible dates are refused there
            flt = ledger.filter_from_params(request.data)
        except DjangoValidationError as exc:
            raise ValidationError(field_errors(exc)) from None
        return Response(ExportSerializer(ledger.export_request(user=request.user, flt=flt)).data, status=201)


class ExportDetail(APIView):
    @extend_schema(responses={200: ExportSerializer, **NOT_YOURS}, operation_id="ledger_exports_get")
    def get(self, request, pk):
        return Response(ExportSerializer(ledger.get_export_for_user(request.user, pk)).data)


class ExportDownload(APIView):
    @extend_schema(responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                              OpenApiTypes.BINARY, 409: OpenApiResponse(description="尚未完成 / not done yet"),
                              **NOT_YOURS}, operation_id="ledger_exports_download")
    def get(self, request, pk):
        job = ledger.get_export_for_user(request.user, pk)
        if job.status != ExportJob.Status.DONE or not job.file:
            raise Conflict("导出尚未完成。")
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=f"ledger-{job.pk}.xlsx")


urlpatterns = [
    path("ledger/exports/", ExportCreate.as_view(), name="api-ledger-exports"),
    path("ledger/exports/<int:pk>/", ExportDetail.as_view(), name="api-ledger-export"),
    path("ledger/exports/<int:pk>/download/", ExportDownload.as_view(), name="api-ledger-export-download"),
]
