"""REST API for rectification orders and my tasks.

Thin: serializers check shapes, inspections/orders/services.py decides. Errors: 400 field
errors, 404 for an order the caller may not see, 403 for one they see but may
not act on, 409 when the order's state does not allow the action.
"""
from urllib.parse import urlencode

from django.db import IntegrityError
from django.db.models.manager import BaseManager
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.params import validate_supported_date
from inspections.orders import services
from config.api_schema import uploads
from inspections.api.errors import ServiceErrorsMixin
from inspections.orders import api_evidence as evidence
from inspections.evidence.services import submit_with_evidence
from inspections.checklists.models import Severity
from inspections.orders.models import RectificationOrder, Recheck
from inspections import limits
from inspections.orders.selectors import (
    get_extension_for_user, get_order_for_user, orders_visible_to, with_working_days_left, working_days_left,
)
from inspections.orders.timeline import order_events, order_timeline
from workflows.tasks import task_page
from organizations import policy
from security.input_guard import GuardedJSONParser as JSONParser  # bounded depth and size

ERRORS = {400: OpenApiResponse(description="字段错误 / bad input"),
          403: OpenApiResponse(description="无权办理 / may see but may not act"),
          404: OpenApiResponse(description="不存在或不可见 / not visible"),
          409: OpenApiResponse(description="当前状态不允许 / state conflict")}




# --- serializers -------------------------------------------------------------------

class OrderListSerializer(serializers.ListSerializer):
    """A page of orders: their working days left from one read of the calendar (not one per order)."""

    def to_representation(self, data):
        orders = list(data.all() if isinstance(data, BaseManager) else data)
        self.days_left = {order.pk: left for order, left in with_working_days_left(orders)}
        return super().to_representation(orders)


class OrderSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", read_only=True)
    issuer_name = serializers.CharField(source="issuer.name", read_only=True)
    due_at = serializers.DateTimeField(source="deadline.due_at", read_only=True)
    working_days_left = serializers.SerializerMethodField()
    is_overdue = serializers.BooleanField(read_only=True, help_text="学校环节且已过期限（推算，不存储）")

    class Meta:
        model = RectificationOrder
        fields = ["id", "number", "school", "school_name", "issuer", "issuer_name", "status", "round",
                  "severity", "has_hazard", "requirements", "due_at", "working_days_left", "is_overdue",
                  "overdue_count", "escalation_level", "issued_at", "signed_at", "closed_at", "client_uuid"]
        list_serializer_class = OrderListSerializer

    def get_working_days_left(self, order) -> int:
        page = getattr(self.parent, "days_left", {})
        return page[order.pk] if order.pk in page else working_days_left(order)


class OrderDetailSerializer(OrderSerializer):
    """The order as a client reads back what it did: findings, reports and re-checks with their files."""

    findings = serializers.SerializerMethodField()
    reports = serializers.SerializerMethodField()
    rechecks = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField(help_text="整改通知书 PDF（须有权查看） / the order as a PDF")
    timeline = serializers.SerializerMethodField()

    class Meta(OrderSerializer.Meta):
        fields = OrderSerializer.Meta.fields + ["findings", "reports", "rechecks", "pdf_url", "timeline"]

    @extend_schema_field(evidence.FindingOutSerializer(many=True))
    def get_findings(self, order):
        return evidence.findings_of(order)

    @extend_schema_field(evidence.ReportOutSerializer(many=True))
    def get_reports(self, order):
        return evidence.reports_of(order)

    @extend_schema_field(evidence.RecheckOutSerializer(many=True))
    def get_rechecks(self, order):
        return evidence.rechecks_of(order)

    def get_pdf_url(self, order) -> str:
        return evidence.pdf_link(order)

    def get_timeline(self, order) -> list[dict]:
        # "text" is the sentence in the request's language; "action" stays the stable code for integrators.
        events = order_events(order)
        return [{"at": e.created_at, "action": e.action, "actor": e.actor.get_full_name() or e.actor.username
                 if e.actor else None, "text": str(entry)} for e, entry in zip(events, order_timeline(order, events))]


class OrderFindingInSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=2000)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.GENERAL)
    hazard = serializers.BooleanField(default=False)


class OrderCreateSerializer(serializers.Serializer):
    school = serializers.IntegerField()
    requirements = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.REPORT)
    findings = OrderFindingInSerializer(many=True)
    client_uuid = serializers.UUIDField(required=False, allow_null=True)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)


class ApproveSerializer(NoteSerializer):
    decision = serializers.ChoiceField(choices=["approve", "return"], default="approve")


class ReportSerializer(serializers.Serializer):
    measures = serializers.CharField(max_length=limits.REPORT)
    files = uploads(required=False, default=list)
    client_uuid = serializers.UUIDField(required=False, allow_null=True)

    class Meta:
        ref_name = "OrderReportIn"  # "Report" alone collides with the programme task report


class RecheckSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=Recheck.Method.choices)
    result = serializers.ChoiceField(choices=Recheck.Result.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)
    files = uploads(required=False, default=list)


class ExtensionSerializer(serializers.Serializer):
    requested_deadline = serializers.DateField(validators=[validate_supported_date])
    reason = serializers.CharField(max_length=limits.NOTE)


class DecideSerializer(NoteSerializer):
    approve = serializers.BooleanField()


class TaskSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MyTask"  # "Task" alone collides with the programme's task list

    kind = serializers.CharField()
    title = serializers.CharField()
    order = serializers.IntegerField(source="order.pk")
    number = serializers.CharField(source="order.number")
    task_id = serializers.IntegerField(allow_null=True)
    extension_id = serializers.IntegerField(allow_null=True)


# --- views ----------------------------------------------------------------------------

class NewestFirst(CursorPagination):
    ordering = "-id"


class OrderListCreate(ServiceErrorsMixin, generics.ListAPIView):
    serializer_class = OrderSerializer
    pagination_class = NewestFirst
    filter_backends = []

    def get_queryset(self):
        return orders_visible_to(self.request.user)

    @extend_schema(request=OrderCreateSerializer, responses={201: OrderDetailSerializer, 200: OrderDetailSerializer,
                                                             **ERRORS})
    def post(self, request):
        data = _valid(OrderCreateSerializer, request.data)
        school = policy.visible_schools(request.user).filter(pk=data["school"]).first()
        if school is None:
            raise exceptions.ValidationError({"school": ["学校不存在或不可见。"]})
        order, created = _issue_once(request.user, school, data)
        return Response(OrderDetailSerializer(order).data, status=201 if created else 200)


def _issue_once(user, school, data):
    try:
        return services.order_issue_manual(school=school, findings=data["findings"], issued_by=user,
                                           requirements=data["requirements"], client_uuid=data.get("client_uuid"))
    except IntegrityError:
        # A concurrent replay of the same client UUID won the insert: answer with its order.
        order = RectificationOrder.objects.filter(client_uuid=data.get("client_uuid"), issued_by=user).first()
        if order is None:
            raise
        return order, False


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class OrderDetail(ServiceErrorsMixin, APIView):
    @extend_schema(responses={200: OrderDetailSerializer, 404: ERRORS[404]})
    def get(self, request, pk):
        return Response(OrderDetailSerializer(get_order_for_user(request.user, pk)).data)


class OrderAction(ServiceErrorsMixin, APIView):
    """One POST action on an order; subclasses say what to read and which service to call."""

    input_serializer = NoteSerializer

    def post(self, request, pk):
        order = get_order_for_user(request.user, pk)
        data = _valid(self.input_serializer, request.data)
        self.act(order, request.user, data)
        order.refresh_from_db()
        return Response(OrderDetailSerializer(order).data)


@extend_schema(request=None, responses={200: OrderDetailSerializer, **ERRORS})
class SignAction(OrderAction):
    def act(self, order, user, data):
        services.order_sign(order=order, user=user)


@extend_schema(request={"multipart/form-data": ReportSerializer}, responses={200: OrderDetailSerializer, **ERRORS})
class ReportAction(OrderAction):
    input_serializer = ReportSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def act(self, order, user, data):
        submit_with_evidence(
            uploads=data["files"], organization=order.school, uploaded_by=user,
            action=lambda atts: services.report_submit(order=order, user=user, measures=data["measures"],
                                                       attachments=atts, client_uuid=data.get("client_uuid")))


@extend_schema(request={"multipart/form-data": RecheckSerializer}, responses={200: OrderDetailSerializer, **ERRORS})
class RecheckAction(OrderAction):
    input_serializer = RecheckSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def act(self, order, user, data):
        submit_with_evidence(
            uploads=data["files"], organization=order.school, uploaded_by=user,
            action=lambda atts: services.recheck_record(order=order, user=user, method=data["method"],
                                                        result=data["result"], notes=data["notes"],
                                                        attachments=atts))


@extend_schema(request=ApproveSerializer, responses={200: OrderDetailSerializer, **ERRORS},
               description="The approval the order waits for: the school leader's report review "
                           "(decision approve/return), closure by the district or city leader (the district "
                           "leader may return it to re-check: decision return, note = reason), or "
                           "the city leader's supervision after the third failed re-check.")
class ApproveAction(OrderAction):
    input_serializer = ApproveSerializer

    def act(self, order, user, data):
        services.approval_decide(order=order, user=user, decision=data["decision"], note=data["note"])


@extend_schema(request=ExtensionSerializer, responses={201: OpenApiResponse(description="created"), **ERRORS})
class ExtensionAction(ServiceErrorsMixin, APIView):
    def post(self, request, pk):
        order = get_order_for_user(request.user, pk)
        data = _valid(ExtensionSerializer, request.data)
        ext = services.extension_request(order=order, user=request.user, **data)
        return Response({"id": ext.pk, "decision": ext.decision}, status=201)


@extend_schema(request=DecideSerializer, responses={200: OpenApiResponse(description="decided"), **ERRORS})
class ExtensionDecide(ServiceErrorsMixin, APIView):
    def post(self, request, pk):
        ext = get_extension_for_user(request.user, pk)
        data = _valid(DecideSerializer, request.data)
        ext = services.extension_decide(extension=ext, user=request.user, approve=data["approve"], note=data["note"])
        return Response({"id": ext.pk, "decision": ext.decision,
                         "due_at": ext.order.deadline.due_at.isoformat()})


class TaskPageSerializer(serializers.Serializer):
    results = TaskSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="下一页；最后一页为 null。")


class TasksQuerySerializer(serializers.Serializer):
    after = serializers.IntegerField(required=False, min_value=0, help_text="上一页最后一项的 task_id（键集分页）。")


class MyTasks(APIView):

    @extend_schema(parameters=[TasksQuerySerializer], responses={200: TaskPageSerializer, 400: ERRORS[400]})
    def get(self, request):
        after = _valid(TasksQuerySerializer, request.query_params).get("after")
        items, next_after = task_page(request.user, after=after)
        next_url = None
        if next_after is not None:
            next_url = request.build_absolute_uri(f"{request.path}?{urlencode({'after': next_after})}")
        return Response({"results": TaskSerializer(items, many=True).data, "next": next_url})


urlpatterns = [
    path("orders/", OrderListCreate.as_view(), name="api-orders"),
    path("orders/<int:pk>/", OrderDetail.as_view(), name="api-order"),
    path("orders/<int:pk>/sign/", SignAction.as_view(), name="api-order-sign"),
    path("orders/<int:pk>/report/", ReportAction.as_view(), name="api-order-report"),
    path("orders/<int:pk>/recheck/", RecheckAction.as_view(), name="api-order-recheck"),
    path("orders/<int:pk>/approve/", ApproveAction.as_view(), name="api-order-approve"),
    path("orders/<int:pk>/extension/", ExtensionAction.as_view(), name="api-order-extension"),
    path("extensions/<int:pk>/decide/", ExtensionDecide.as_view(), name="api-extension-decide"),
    path("tasks/", MyTasks.as_view(), name="api-tasks"),
]
