"""REST API for the statistics the dashboard and a school's page show (reads only, within visibility).

`GET /api/v1/stats/` is `inspections.reports.stats.dashboard` as JSON, with the dashboard's filters (`start`, `end`,
`campaign`, `severity`, `section`, `org`: parsed by `ledger.filter_from_params`, a bad one is a 400; an
`org` out of sight is a 404). `GET /api/v1/stats/schools/{id}/` is the school's quarterly score. Every figure
is counted over the schools the caller may see; the definitions are those of inspections/reports/stats.py.
"""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from inspections.reports import ledger

from inspections.reports import stats
from inspections.api.errors import field_errors
from inspections.checklists.models import Severity
from inspections.orders.models import RectificationOrder

NOT_VISIBLE = {404: OpenApiResponse(description="不存在或不可见 / not visible")}


def _org(org) -> dict | None:
    return {"id": org.pk, "name": org.name, "kind": org.kind} if org is not None else None


class OrgRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()


class OrderFiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    closed = serializers.IntegerField()
    closed_on_time = serializers.IntegerField()
    escalated = serializers.IntegerField()


class BreakdownSerializer(serializers.Serializer):
    section = serializers.CharField(allow_null=True)
    severity = serializers.ChoiceField(choices=Severity.choices)
    n = serializers.IntegerField()


class SlowSerializer(serializers.Serializer):
    school = OrgRefSerializer()
    mean_days = serializers.FloatField(allow_null=True)
    closed = serializers.IntegerField()
    open_overdue = serializers.IntegerField()


class DrillSerializer(serializers.Serializer):
    org = OrgRefSerializer()
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    closed = serializers.IntegerField()
    findings = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    level = OrgRefSerializer(allow_null=True, help_text="所看的机构（多个根时为 null）")
    visits = serializers.IntegerField(help_text="期间内签到的检查")
    findings = serializers.IntegerField()
    orders = OrderFiguresSerializer()
    on_time_rate = serializers.FloatField(allow_null=True, help_text="按期销号率 0–1")
    median_days = serializers.FloatField(allow_null=True, help_text="销号用时中位数（工作日）")
    repeat_findings = serializers.IntegerField()
    breakdown = BreakdownSerializer(many=True)
    slowest = SlowSerializer(many=True)
    drill = DrillSerializer(many=True, help_text="下一级机构")


class ScoreSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    quarter = serializers.IntegerField()
    label = serializers.CharField()
    findings = serializers.IntegerField()
    late = serializers.IntegerField()
    score = serializers.IntegerField()


class SchoolScoresSerializer(serializers.Serializer):
    school = OrgRefSerializer()
    scores = ScoreSerializer(many=True)
    open_orders = serializers.IntegerField()


FILTERS = [OpenApiParameter("start", str, description="YYYY-MM-DD（含）"),
           OpenApiParameter("end", str, description="YYYY-MM-DD（含）"),
           OpenApiParameter("campaign", int), OpenApiParameter("section", int),
           OpenApiParameter("severity", enum=list(Severity.values)),
           OpenApiParameter("org", int, description="下钻：只看该机构（须可见）")]


def _board(board) -> dict:
    return {"level": _org(board.level), "visits": board.visits, "findings": board.findings,
            "orders": board.orders, "on_time_rate": board.on_time_rate, "median_days": board.median_days,
            "repeat_findings": board.repeat_findings,
            "breakdown": [{"section": r["item__section__title"], "severity": r["severity"], "n": r["n"]}
                          for r in board.breakdown],
            "slowest": [{**{k: r[k] for k in ("mean_days", "closed", "open_overdue")}, "school": _org(r["school"])}
                        for r in board.slowest],
            "drill": [{**{k: r[k] for k in ("total", "open", "overdue", "closed", "findings")}, "org": _org(r["org"])}
                      for r in board.drill]}


class Dashboard(APIView):
    @extend_schema(parameters=FILTERS, responses={200: DashboardSerializer, 400: OpenApiResponse(
        description="字段错误 / bad input"), **NOT_VISIBLE}, operation_id="stats_get")
    def get(self, request):
        try:
            flt = ledger.filter_from_params(request.query_params)
        except DjangoValidationError as exc:
            raise ValidationError(field_errors(exc)) from None
        return Response(DashboardSerializer(_board(stats.dashboard(request.user, flt))).data)


class SchoolScores(APIView):
    @extend_schema(responses={200: SchoolScoresSerializer, **NOT_VISIBLE}, operation_id="stats_schools_get")
    def get(self, request, pk):
        school = stats.get_school_for_user(request.user, pk)
        orders = ledger.ledger_orders(request.user, ledger.LedgerFilter(org_id=school.pk))
        return Response(SchoolScoresSerializer({
            "school": _org(school), "scores": stats.school_scores(school, timezone.localdate()),
            "open_orders": orders.exclude(status=RectificationOrder.Status.CLOSED).count()}).data)


urlpatterns = [
    path("stats/", Dashboard.as_view(), name="api-stats"),
    path("stats/schools/<int:pk>/", SchoolScores.as_view(), name="api-stats-school"),
]
