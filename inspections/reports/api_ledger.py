"""GET /api/v1/ledger/: the ledger with django-filter filters and keyset (cursor) pagination.

The cursor is the (issued_at, id) of the last row returned; `next` carries it.
No OFFSET is used, so deep pages cost the same as the first and rows inserted
between calls are neither skipped nor repeated.
"""
import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from config.params import MAX_ID, int_param
from inspections.reports import ledger
from inspections.orders.models import RectificationOrder


class LedgerFilterSet(django_filters.FilterSet):
    issued_after = django_filters.DateTimeFilter(field_name="issued_at", lookup_expr="gte")
    issued_before = django_filters.DateTimeFilter(field_name="issued_at", lookup_expr="lt")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="逾期（学校环节且已过期限）")
    # Ids within 64 bits (config.params.MAX_ID): a larger one overflowed SQLite's integer (a 500), now a 400.
    campaign = django_filters.NumberFilter(field_name="visit__campaign_id", min_value=0, max_value=MAX_ID)
    section = django_filters.NumberFilter(method="filter_section", min_value=0, max_value=MAX_ID)

    class Meta:
        model = RectificationOrder
        fields = ["severity", "status", "school", "issuer", "overdue", "campaign"]

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue()
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

    def filter_section(self, queryset, name, value):
        return queryset.filter(findings__item__section_id=value).distinct()


class KeysetPagination(BasePagination):
    page_size, max_page_size = 50, 200

    def paginate_queryset(self, queryset, request, view=None):
        try:
            size = min(int_param(request.query_params, "page_size", self.page_size, minimum=1), self.max_page_size)
            rows = list(ledger.after_cursor(queryset, request.query_params.get("cursor"))[: max(size, 1) + 1])
        except (DjangoValidationError, ValueError):
            raise ValidationError({"cursor": "invalid cursor or page_size"}) from None
        self.more, self.request = len(rows) > size, request
        self.rows = rows[:size]
        return self.rows

    def get_paginated_response(self, data):
        nxt = None
        if self.more and self.rows:
            nxt = replace_query_param(self.request.build_absolute_uri(), "cursor", ledger.encode_cursor(self.rows[-1]))
        return Response({"next": nxt, "results": data})

    def get_paginated_response_schema(self, schema):
        return {"type": "object", "properties": {"next": {"type": "string", "nullable": True}, "results": schema}}


class LedgerRowSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name")
    issuer_name = serializers.CharField(source="issuer.name")
    due_at = serializers.DateTimeField(source="deadline.due_at")
    finding_count = serializers.IntegerField()
    status_display = serializers.CharField(source="get_status_display")
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = RectificationOrder
        fields = ["id", "number", "school", "school_name", "issuer_name", "severity", "status", "status_display",
                  "is_overdue", "escalation_level", "round", "issued_at", "due_at", "closed_at", "finding_count"]


class LedgerList(generics.ListAPIView):
    serializer_class = LedgerRowSerializer
    filterset_class = LedgerFilterSet
    pagination_class = KeysetPagination

    def get_queryset(self):
        return ledger.ledger_orders(self.request.user, ledger.LedgerFilter())


urlpatterns = [path("ledger/", LedgerList.as_view(), name="api-ledger")]
