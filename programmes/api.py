"""REST API of task supervision: programmes, their tasks (with board status), progress reports;
report create (JSON or multipart with an evidence file), sign-off and review.

Lists are keyset pages `{"results", "next"}`; an object the caller may not see is 404; a task the
caller's unit is not responsible for is 404 on report create; bad input is 400 naming the field;
a step the report is not at is 409.
"""
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_pagination import KeysetPage, page_of
from config.params import int_value
from inspections.api.errors import ServiceErrorsMixin
from workflows.calendar import local_date

from . import actions, services
from .board import task_row
from .conflicts import ReportConflict
from .models import FilingRequest, PlanFiling, ProgrammeTask, ProgressReport
from .selectors import (filing_board, filing_requests_visible_to, filings_visible_to, get_filing_for_user,
                        get_filing_request_for_user, get_programme_for_user, get_report_for_user, get_task_for_user,
                        linked_campaigns, programmes_visible_to, reports_visible_to, tasks_visible_to, with_reports)


class PhaseSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    name = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class ProgrammeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    issuer = serializers.IntegerField(source="issuer_id")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    phases = PhaseSerializer(many=True, source="phases.all")
    campaigns = serializers.SerializerMethodField(help_text="linked campaigns the caller may see")
    checklists = serializers.SerializerMethodField()

    def get_campaigns(self, programme) -> list[int]:
        return list(linked_campaigns(self.context["user"], programme).values_list("pk", flat=True))

    def get_checklists(self, programme) -> list[int]:
        return sorted(t.pk for t in programme.checklists.all())


class LinksSerializer(serializers.Serializer):
    campaigns = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=200)
    checklists = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=200)


class IndicatorSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="indicator.pk")
    name = serializers.CharField(source="indicator.name")
    kind = serializers.CharField(source="indicator.kind")
    unit = serializers.CharField(source="indicator.unit")
    target_value = serializers.DecimalField(source="indicator.target_value", max_digits=14, decimal_places=2,
                                            allow_null=True)
    value = serializers.DecimalField(source="value.value", max_digits=14, decimal_places=2, allow_null=True,
                                     default=None)
    done = serializers.BooleanField(source="value.done", allow_null=True, default=None)


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="task.pk")
    programme = serializers.IntegerField(source="task.programme_id")
    no = serializers.IntegerField(source="task.no")
    area = serializers.CharField(source="task.area")
    title = serializers.CharField(source="task.title")
    target = serializers.CharField(source="task.target")
    lead_unit = serializers.IntegerField(source="task.lead_unit_id")
    co_units = serializers.SerializerMethodField()
    deadline_text = serializers.CharField(source="task.deadline_text")
    due_date = serializers.DateField(source="task.due_date", allow_null=True)
    cycle = serializers.ChoiceField(source="task.cycle", choices=ProgrammeTask.Cycle.choices)
    status = serializers.ChoiceField(choices=["done", "overdue", "lagging", "on_track"])
    indicators = IndicatorSerializer(many=True)

    def get_co_units(self, row) -> list[int]:
        return [u.pk for u in row.task.co_units.all()]


class ValueSerializer(serializers.Serializer):
    indicator = serializers.IntegerField(min_value=1)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                                     min_value=0)
    done = serializers.BooleanField(required=False, allow_null=True)


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    task = serializers.IntegerField(source="task_id")
    unit = serializers.IntegerField(source="unit_id")
    period = serializers.CharField()
    narrative = serializers.CharField()
    status = serializers.ChoiceField(choices=ProgressReport.Status.choices)
    submitted_at = serializers.DateTimeField()
    comment = serializers.CharField()
    has_evidence = serializers.SerializerMethodField()
    values = serializers.SerializerMethodField()

    def get_has_evidence(self, report) -> bool:
        return bool(report.evidence)

    def get_values(self, report) -> list[dict]:
        return [{"indicator": v.indicator_id, "value": str(v.value) if v.value is not None else None,
                 "done": v.done} for v in report.values.all()]


class ReportCreateSerializer(serializers.Serializer):
    client_uuid = serializers.UUIDField(required=False)
    unit = serializers.IntegerField(required=False, min_value=1)
    period = serializers.CharField(required=False, allow_blank=True, max_length=8)
    narrative = serializers.CharField(max_length=20000)
    values = ValueSerializer(many=True, required=False)
    evidence = serializers.FileField(required=False)


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "return"])
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class ApiBase(ServiceErrorsMixin, APIView):
    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        if isinstance(exc, ReportConflict):
            exc = Conflict(detail=exc.messages[0])
        return super().handle_exception(exc)


class ById(KeysetPage):
    ordering = "pk"


class ProgrammeListView(ApiBase):
    pagination_class = ById

    @extend_schema(responses={200: ProgrammeSerializer(many=True)}, operation_id="programmes_list")
    def get(self, request):
        rows = programmes_visible_to(request.user).prefetch_related("phases", "checklists")
        return page_of(self, rows, lambda page: ProgrammeSerializer(page, many=True,
                                                                    context={"user": request.user}).data)


class ProgrammeDetailView(ApiBase):
    @extend_schema(responses={200: ProgrammeSerializer}, operation_id="programmes_retrieve")
    def get(self, request, pk):
        programme = get_programme_for_user(request.user, pk)
        return Response(ProgrammeSerializer(programme, context={"user": request.user}).data)


class ProgrammeLinksView(ApiBase):
    @extend_schema(request=LinksSerializer,
                   responses={200: ProgrammeSerializer, 400: OpenApiResponse(description="bad input, by field"),
                              403: OpenApiResponse(description="not the programme office"),
                              404: OpenApiResponse(description="no such programme")},
                   operation_id="programmes_links")
    def post(self, request, pk):
        programme = get_programme_for_user(request.user, pk)
        data = LinksSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.programme_links_set(user=request.user, programme=programme,
                                     campaign_ids=data.validated_data["campaigns"],
                                     checklist_ids=data.validated_data["checklists"])
        return Response(ProgrammeSerializer(programme, context={"user": request.user}).data)


def _rows(tasks, user):
    day = local_date(timezone.now())
    return [task_row(t, day) for t in with_reports(ProgrammeTask.objects.filter(pk__in=[t.pk for t in tasks]),
                                                   user)]


class TaskListView(ApiBase):
    pagination_class = ById

    @extend_schema(responses={200: TaskSerializer(many=True)}, operation_id="programme_tasks_list",
                   parameters=[OpenApiParameter("programme", int, description="only this programme's tasks")])
    def get(self, request):
        rows = tasks_visible_to(request.user)
        programme = int_value(request.query_params.get("programme"), "programme", minimum=1)
        if programme:
            rows = rows.filter(programme_id=programme)
        return page_of(self, rows, lambda page: TaskSerializer(_rows(page, request.user), many=True).data)


class TaskDetailView(ApiBase):
    @extend_schema(responses={200: TaskSerializer}, operation_id="programme_tasks_retrieve")
    def get(self, request, pk):
        task = get_task_for_user(request.user, pk)
        return Response(TaskSerializer(_rows([task], request.user)[0]).data)


class TaskReportView(ApiBase):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request={"application/json": ReportCreateSerializer, "multipart/form-data": ReportCreateSerializer},
                   responses={201: ReportSerializer, 400: OpenApiResponse(description="bad input, by field"),
                              404: OpenApiResponse(description="not a task of the caller's unit"),
                              409: OpenApiResponse(description="a report of this period is in review")},
                   operation_id="programme_tasks_report")
    def post(self, request, pk):
        task = get_task_for_user(request.user, pk)
        if not actions.reporting_units(request.user, task):
            raise exceptions.NotFound()  # a unit not responsible for the task learns nothing of it
        data = ReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        unit = fields.pop("unit", None)
        units = {u.pk: u for u in actions.reporting_units(request.user, task)}
        if unit is not None and unit not in units:
            raise exceptions.ValidationError({"unit": ["not a unit you report for on this task"]})
        values = [{k: v for k, v in item.items() if v is not None} for item in fields.pop("values", [])]
        report = services.report_submit(user=request.user, task=task, values=values, unit=units.get(unit),
                                        **fields)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


class ReportListView(ApiBase):
    pagination_class = KeysetPage

    @extend_schema(responses={200: ReportSerializer(many=True)}, operation_id="programme_reports_list",
                   parameters=[OpenApiParameter("task", int, description="only this task's reports")])
    def get(self, request):
        rows = reports_visible_to(request.user).prefetch_related("values")
        task = int_value(request.query_params.get("task"), "task", minimum=1)
        if task:
            rows = rows.filter(task_id=task)
        return page_of(self, rows, lambda page: ReportSerializer(page, many=True).data)


class ReportDetailView(ApiBase):
    @extend_schema(responses={200: ReportSerializer}, operation_id="programme_reports_retrieve")
    def get(self, request, pk):
        return Response(ReportSerializer(get_report_for_user(request.user, pk)).data)


class ReportStepView(ApiBase):
    step = ""

    def post(self, request, pk):
        report = get_report_for_user(request.user, pk)
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        yes, comment = data.validated_data["decision"] == "approve", data.validated_data.get("comment", "")
        if self.step == "sign":
            report = services.report_sign(user=request.user, report=report, approve=yes, comment=comment)
        else:
            report = services.report_review(user=request.user, report=report, accept=yes, comment=comment)
        return Response(ReportSerializer(report).data)


STEP_RESPONSES = {200: ReportSerializer, 400: OpenApiResponse(description="bad input, by field"),
                  403: OpenApiResponse(description="not yours to decide"),
                  404: OpenApiResponse(description="no such report"),
                  409: OpenApiResponse(description="the report is not at this step")}


class ReportSignView(ReportStepView):
    step = "sign"

    @extend_schema(request=DecisionSerializer, responses=STEP_RESPONSES, operation_id="programme_reports_sign")
    def post(self, request, pk):
        return super().post(request, pk)


class ReportReviewView(ReportStepView):
    step = "review"

    @extend_schema(request=DecisionSerializer, responses=STEP_RESPONSES, operation_id="programme_reports_review")
    def post(self, request, pk):
        return super().post(request, pk)


# ---------------------------------------------------------------- plan filing (备案)


class FilingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    request = serializers.IntegerField(source="request_id")
    filer = serializers.IntegerField(source="filer_id")
    round = serializers.IntegerField()
    late = serializers.BooleanField()
    status = serializers.ChoiceField(choices=PlanFiling.Status.choices)
    key_dates = serializers.CharField()
    figures = serializers.DictField(child=serializers.CharField(), help_text="key → decimal string")
    submitted_at = serializers.DateTimeField()
    comment = serializers.CharField()


class FilerRowSerializer(serializers.Serializer):
    filer = serializers.IntegerField(source="filer.pk")
    name = serializers.CharField(source="filer.name")
    rounds = serializers.IntegerField()
    latest = FilingSerializer(allow_null=True)


class FigureSpecSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField(allow_blank=True)


class FilingRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    programme = serializers.IntegerField(source="programme_id")
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=FilingRequest.Kind.choices)
    year = serializers.IntegerField(allow_null=True)
    figure_spec = FigureSpecSerializer(many=True)
    due_date = serializers.DateField()
    filers = serializers.SerializerMethodField()

    @extend_schema_field(FilerRowSerializer(many=True))
    def get_filers(self, request_row):
        return FilerRowSerializer(filing_board(self.context["user"], request_row), many=True).data


class FilingCreateSerializer(serializers.Serializer):
    client_uuid = serializers.UUIDField(required=False)
    filer = serializers.IntegerField(min_value=1)
    document = serializers.FileField()
    key_dates = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    figures = serializers.JSONField(required=False, binary=True,
                                    help_text='JSON object: figure key → number, e.g. {"enrolment": 1200}')

    def validate_figures(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("a JSON object")
        return value


class FilingRequestListView(ApiBase):
    pagination_class = ById

    @extend_schema(responses={200: FilingRequestSerializer(many=True)}, operation_id="filing_requests_list")
    def get(self, request):
        rows = filing_requests_visible_to(request.user).select_related("programme__issuer")
        return page_of(self, rows, lambda page: FilingRequestSerializer(page, many=True,
                                                                        context={"user": request.user}).data)


class FilingRequestFileView(ApiBase):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": FilingCreateSerializer},
                   responses={201: FilingSerializer, 400: OpenApiResponse(description="bad input, by field"),
                              403: OpenApiResponse(description="not a unit you file for"),
                              404: OpenApiResponse(description="no such filing request"),
                              409: OpenApiResponse(description="in review or already on file")},
                   operation_id="filing_requests_file")
    def post(self, request, pk):
        filing_request = get_filing_request_for_user(request.user, pk)
        data = FilingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        filer = filing_request.filers.filter(pk=fields.pop("filer")).first()
        filing = services.filing_submit(user=request.user, filing_request=filing_request, filer=filer, **fields)
        return Response(FilingSerializer(filing).data, status=status.HTTP_201_CREATED)


class FilingListView(ApiBase):
    pagination_class = KeysetPage

    @extend_schema(responses={200: FilingSerializer(many=True)}, operation_id="filings_list")
    def get(self, request):
        return page_of(self, filings_visible_to(request.user), lambda page: FilingSerializer(page, many=True).data)


class FilingReviewView(ApiBase):
    @extend_schema(request=DecisionSerializer, responses={**STEP_RESPONSES, 200: FilingSerializer},
                   operation_id="filings_review")
    def post(self, request, pk):
        filing = get_filing_for_user(request.user, pk)
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        filing = services.filing_review(user=request.user, filing=filing,
                                        accept=data.validated_data["decision"] == "approve",
                                        comment=data.validated_data.get("comment", ""))
        return Response(FilingSerializer(filing).data)


urlpatterns = [
    path("programmes/", ProgrammeListView.as_view(), name="api-programmes"),
    path("programmes/<int:pk>/", ProgrammeDetailView.as_view(), name="api-programme"),
    path("programmes/<int:pk>/links/", ProgrammeLinksView.as_view(), name="api-programme-links"),
    path("programme-tasks/", TaskListView.as_view(), name="api-programme-tasks"),
    path("programme-tasks/<int:pk>/", TaskDetailView.as_view(), name="api-programme-task"),
    path("programme-tasks/<int:pk>/reports/", TaskReportView.as_view(), name="api-programme-task-report"),
    path("programme-reports/", ReportListView.as_view(), name="api-programme-reports"),
    path("programme-reports/<int:pk>/", ReportDetailView.as_view(), name="api-programme-report"),
    path("programme-reports/<int:pk>/sign/", ReportSignView.as_view(), name="api-programme-report-sign"),
    path("programme-reports/<int:pk>/review/", ReportReviewView.as_view(), name="api-programme-report-review"),
    path("filing-requests/", FilingRequestListView.as_view(), name="api-filing-requests"),
    path("filing-requests/<int:pk>/file/", FilingRequestFileView.as_view(), name="api-filing-request-file"),
    path("filings/", FilingListView.as_view(), name="api-filings"),
    path("filings/<int:pk>/review/", FilingReviewView.as_view(), name="api-filing-review"),
]
