"""REST API for visits: what I may see, a visit's checklist and results, and the on-site actions.

Thin: serializers check shapes, the services in inspections/visits/services.py decide.
Errors: 400 field errors, 404 for a visit the caller may not see, 403 for a
visit they see but may not act on, 409 when the visit's state does not allow it.

Every write of the on-site screens takes a client UUID (body `client_uuid` or header `X-Client-UUID`) and is
applied once (`once`, inspections.idempotency.services.apply_once): a replay from the tablet's outbox is answered
with the first answer and the header `Idempotent-Replayed: true`. Photos and deletions name their finding by
the finding's client UUID, because a tablet that was offline does not know the server's id yet.
"""
import uuid

from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from inspections.idempotency.services import apply_once
from inspections.checklists.models import ChecklistItem, Severity
from inspections.idempotency.models import ClientWrite
from inspections.orders.models import Finding
from inspections.visits.models import Visit, VisitItemResult
from inspections.visits.selectors import get_visit_for_user, visits_visible_to
from config.api_schema import uploads
from inspections.api.errors import ServiceErrorsMixin
from inspections import thresholds
from inspections.visits import services

ERRORS = {400: OpenApiResponse(description="字段错误 / bad input"),
          403: OpenApiResponse(description="无权办理 / may see but may not act"),
          404: OpenApiResponse(description="不存在或不可见 / not visible"),
          409: OpenApiResponse(description="当前状态不允许 / state conflict")}




# ---------------------------------------------------------------- serializers


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "code", "title", "title_en", "severity", "hazard"]


class ResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitItemResult
        fields = ["item", "result", "note", "recorded_at"]


def photo_urls(visit_pk: int, attachment) -> dict:
    return {"id": attachment.pk,
            "url": reverse("visits:photo", args=[visit_pk, attachment.pk]),
            "thumbnail": reverse("visits:photo-thumb", args=[visit_pk, attachment.pk]),
            "sha256": attachment.original_sha256 or attachment.sha256}


# ---------------------------------------------------------------- applied once


def _client_uuid(request) -> uuid.UUID | None:
    # the header first: a DELETE has no body to parse
    value = request.headers.get("X-Client-UUID") or (
        request.data.get("client_uuid") if request.method != "DELETE" and hasattr(request.data, "get") else None)
    if not value:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise exceptions.ValidationError({"client_uuid": [_("编号格式无效。")]}) from None


def once(request, visit, action: str, perform) -> Response:
    """`perform()` once per client UUID; a replay gets the first answer again instead of a second write."""
    def record(response):
        ClientWrite.objects.create(client_uuid=client_uuid, visit=visit, user=request.user, action=action,
                                   status_code=response.status_code, response=response.data)

    client_uuid = _client_uuid(request)
    earlier, response = apply_once(ClientWrite.objects.filter(visit=visit, user=request.user), client_uuid,
                                   refusal=_("该编号已用于另一项记录。"), apply=perform, record=record)
    if earlier is None:
        return response
    # a replayed create answers 200 as before (inspections.idempotency.services): nothing new was made this time
    code = status.HTTP_200_OK if earlier.status_code == status.HTTP_201_CREATED else earlier.status_code
    return Response(earlier.response, status=code, headers={"Idempotent-Replayed": "true"})


class FindingSerializer(serializers.ModelSerializer):
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = ["id", "client_uuid", "item", "description", "severity", "hazard", "needs_rectification",
                  "found_at", "order", "photos"]

    def get_photos(self, finding) -> list[dict]:
        return [photo_urls(finding.visit_id, a) for a in finding.attachments.all()]


class VisitListSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "school", "school_name", "kind", "planned_date", "status", "checkin_at", "template"]


class VisitDetailSerializer(VisitListSerializer):
    sections = serializers.SerializerMethodField()
    results = ResultSerializer(many=True, read_only=True)
    findings = FindingSerializer(many=True, read_only=True)
    team = serializers.SerializerMethodField()

    class Meta(VisitListSerializer.Meta):
        fields = VisitListSerializer.Meta.fields + [
            "checkin_geo_status", "checkin_latitude", "checkin_longitude", "checkin_accuracy",
            "checkin_device_at", "checkin_offline", "representative_name", "signed_at", "submitted_at", "reviewed_at", "review_note", "summary",
            "team", "sections", "results", "findings"]

    def get_sections(self, visit) -> list[dict]:
        return [{"code": s.code, "title": s.title, "items": ItemSerializer(s.items.all(), many=True).data}
                for s in visit.template.sections.prefetch_related("items")]

    def get_team(self, visit) -> list[dict]:
        return [{"user": m.user_id, "name": m.user.get_full_name() or m.user.username, "is_lead": m.is_lead}
                for m in visit.members.select_related("user")]


class CheckInSerializer(serializers.Serializer):
    geo_status = serializers.ChoiceField(choices=Visit.GeoStatus.choices)
    latitude = serializers.FloatField(required=False, allow_null=True)
    longitude = serializers.FloatField(required=False, allow_null=True)
    accuracy = serializers.FloatField(required=False, allow_null=True, min_value=0)
    device_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None,
        help_text="设备上按下签到的时间（带时区；离线签到补传时填写）/ when the button was pressed on the device")
    captured_offline = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="离线采集；不填时有 device_at 即视为离线 / captured offline; defaults to true when device_at is sent")

    def validate(self, data):
        # A device time is only sent by a client that captured the check-in while offline (the tablet's outbox
        # does the same), so it is marked offline unless the client says otherwise.
        if data.get("captured_offline") is None:
            data["captured_offline"] = data.get("device_at") is not None
        return data


class ResultInSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    result = serializers.ChoiceField(choices=VisitItemResult.Result.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class FindingInSerializer(serializers.Serializer):
    client_uuid = serializers.UUIDField(required=False, allow_null=True)
    item = serializers.IntegerField(required=False, allow_null=True)
    description = serializers.CharField(max_length=4000)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, allow_blank=True)
    hazard = serializers.BooleanField(required=False, allow_null=True, default=None)
    needs_rectification = serializers.BooleanField(required=False, default=True)
    photos = uploads(required=False, default=list, max_length=12)


class PhotoInSerializer(serializers.Serializer):
    client_uuid = serializers.UUIDField(required=False, allow_null=True)
    photo = serializers.FileField()
    sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$", required=False, allow_blank=True,
                                    help_text="SHA-256 of the photo as the device sent it")


class PhotosInSerializer(serializers.Serializer):
    photos = uploads(max_length=12)


class SignInSerializer(serializers.Serializer):
    representative_name = serializers.CharField(max_length=50)
    signature = serializers.CharField(help_text="data:image/png;base64,… from the signature canvas")


class SubmitInSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class FindingPlanSerializer(serializers.Serializer):
    finding = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    requirement = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    working_days = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                            max_value=thresholds.MAX_FINDING_WORKING_DAYS)
    own_order = serializers.BooleanField(required=False, default=False)


class ReviewInSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("approve", "approve"), ("return", "return")])
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    plans = FindingPlanSerializer(many=True, required=False, default=list, help_text=(
        "审核通过时的整改通知书草稿：每个问题的整改要求、期限（工作日）、是否单独下发；未列出的用默认值。"
        "期限相同的问题合并为一份通知书 / per-finding requirement, deadline and separate issue; same deadline, one order"))


# ---------------------------------------------------------------- views


class VisitPagination(CursorPagination):
    ordering = ("-planned_date", "-id")


class VisitListView(ServiceErrorsMixin, generics.ListAPIView):
    """Visits visible to me (a school never sees an unannounced visit before check-in)."""

    serializer_class = VisitListSerializer
    pagination_class = VisitPagination
    filterset_fields = ["status", "kind", "planned_date"]

    def get_queryset(self):
        return visits_visible_to(self.request.user)


class VisitDetailView(ServiceErrorsMixin, APIView):
    @extend_schema(responses={200: VisitDetailSerializer, 404: ERRORS[404]})
    def get(self, request, pk):
        return Response(VisitDetailSerializer(get_visit_for_user(request.user, pk)).data)


class VisitActionView(ServiceErrorsMixin, APIView):
    """Base: fetch-and-authorise, validate the body, call the service, answer with the visit."""

    input_serializer: type[serializers.Serializer]
    action = "visit"

    def post(self, request, pk):
        visit = get_visit_for_user(request.user, pk)
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        return once(request, visit, self.action, lambda: self.perform(request, visit, data.validated_data))

    def visit_response(self, visit, code=status.HTTP_200_OK):
        return Response(VisitDetailSerializer(Visit.objects.get(pk=visit.pk)).data, status=code)


def _schema(input_serializer, ok=VisitDetailSerializer, ok_code=200, **extra):
    return extend_schema(request=input_serializer, responses={ok_code: ok, **ERRORS}, **extra)


class CheckInView(VisitActionView):
    action = "check_in"
    input_serializer = CheckInSerializer

    @_schema(CheckInSerializer, description="签到：记录时间与位置；拒绝定位时记录 denied。")
    def post(self, request, pk):
        return super().post(request, pk)

    def perform(self, request, visit, data):
        return self.visit_response(services.visit_check_in(visit=visit, user=request.user, **data))


class ResultView(VisitActionView):
    action = "result"
    input_serializer = ResultInSerializer

    @_schema(ResultInSerializer, ok=ResultSerializer, description="保存一项检查结果（按给出的原样保存，重复提交覆盖）。")
    def post(self, request, pk):
        return super().post(request, pk)

    def perform(self, request, visit, data):
        row = services.item_result_record(visit=visit, user=request.user, **data)
        return Response(ResultSerializer(row).data)


class FindingCreateView(VisitActionView):
    action = "finding"
    input_serializer = FindingInSerializer

    @extend_schema(request={"multipart/form-data": FindingInSerializer}, responses={201: FindingSerializer,
                   200: FindingSerializer, **ERRORS},
                   description="记录问题（可附多张照片）。同一 client_uuid 重放返回同一问题（200），不会重复。")
    def post(self, request, pk):
        return super().post(request, pk)

    def perform(self, request, visit, data):
        replay = bool(data.get("client_uuid")) and Finding.objects.filter(client_uuid=data["client_uuid"]).exists()
        finding = services.finding_record(visit=visit, user=request.user, severity=data.pop("severity", "") or None,
                                          **data)
        return Response(FindingSerializer(finding).data, status=200 if replay else 201)


class FindingPhotosView(ServiceErrorsMixin, APIView):
    @extend_schema(request={"multipart/form-data": PhotosInSerializer}, responses={200: FindingSerializer, **ERRORS},
                   description="为问题追加照片。")
    def post(self, request, pk, finding_pk):
        visit = get_visit_for_user(request.user, pk)
        finding = _finding_in(visit, finding_pk)
        data = PhotosInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        finding = services.finding_photos_add(finding=finding, user=request.user, **data.validated_data)
        return Response(FindingSerializer(finding).data)


def _finding_in(visit, finding_pk) -> Finding:
    finding = visit.findings.filter(pk=finding_pk).first()
    if finding is None:
        raise exceptions.NotFound()
    return finding


def _finding_by_uuid(visit, finding_uuid) -> Finding:
    finding = visit.findings.filter(client_uuid=finding_uuid).first()
    if finding is None:
        raise exceptions.NotFound(_("该问题不存在或已被删除。"))
    return finding


class FindingPhotoByUuidView(ServiceErrorsMixin, APIView):
    @extend_schema(request={"multipart/form-data": PhotoInSerializer}, responses={201: OpenApiResponse(), **ERRORS},
                   description="离线补传：为 client_uuid 所指的问题上传一张照片，原样保存并核对 SHA-256；"
                               "同一照片 client_uuid 重放只保存一次。")
    def post(self, request, pk, finding_uuid):
        visit = get_visit_for_user(request.user, pk)
        data = PhotoInSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def perform():
            finding = _finding_by_uuid(visit, finding_uuid)
            photo = services.finding_photo_add(finding=finding, user=request.user, photo=data.validated_data["photo"],
                                               sha256=data.validated_data.get("sha256", ""))
            return Response({**photo_urls(visit.pk, photo), "finding": finding.pk}, status=201)
        return once(request, visit, "photo", perform)


class FindingByUuidView(ServiceErrorsMixin, APIView):
    @extend_schema(responses={204: None, **ERRORS}, description="离线补传：删除 client_uuid 所指的问题；重放仍为 204。")
    def delete(self, request, pk, finding_uuid):
        visit = get_visit_for_user(request.user, pk)

        def perform():
            services.finding_delete(finding=_finding_by_uuid(visit, finding_uuid), user=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        return once(request, visit, "delete", perform)


class FindingView(ServiceErrorsMixin, APIView):
    @extend_schema(responses={200: FindingSerializer, 404: ERRORS[404]})
    def get(self, request, pk, finding_pk):
        return Response(FindingSerializer(_finding_in(get_visit_for_user(request.user, pk), finding_pk)).data)

    @extend_schema(responses={204: None, 403: ERRORS[403], 404: ERRORS[404], 409: ERRORS[409]},
                   description="删除误记的问题（仅检查组成员，签字或提交前；之后为 409）。")
    def delete(self, request, pk, finding_pk):
        finding = _finding_in(get_visit_for_user(request.user, pk), finding_pk)
        services.finding_delete(finding=finding, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SignView(VisitActionView):
    action = "sign"
    input_serializer = SignInSerializer

    @_schema(SignInSerializer, description="学校代表签字：姓名 + 签名画板导出的 PNG data URL。")
    def post(self, request, pk):
        return super().post(request, pk)

    def perform(self, request, visit, data):
        return self.visit_response(services.visit_sign(
            visit=visit, user=request.user, representative_name=data["representative_name"],
            signature_data_url=data["signature"]))


class SubmitView(VisitActionView):
    action = "submit"
    input_serializer = SubmitInSerializer

    @_schema(SubmitInSerializer, description="检查组组长提交检查记录。")
    def post(self, request, pk):
        return super().post(request, pk)

    def perform(self, request, visit, data):
        return self.visit_response(services.visit_submit(visit=visit, user=request.user, summary=data.get("summary")))


class ReviewView(VisitActionView):
    action = "review"
    input_serializer = ReviewInSerializer

    @_schema(ReviewInSerializer, description="督导领导审核：approve 通过（问题按期限分组生成整改通知书，见 plans）或 return 退回（须填理由）。")
    def post(self, request, pk):
        return super().post(request, pk)

    def perform(self, request, visit, data):
        return self.visit_response(services.visit_review(
            visit=visit, user=request.user, approve=data["decision"] == "approve", reason=data["reason"],
            plans=data["plans"]))


urlpatterns = [
    # `visits/` (list and plan) is in inspections/visits/api_planning.py
    path("visits/<int:pk>/", VisitDetailView.as_view(), name="api-visit"),
    path("visits/<int:pk>/check-in/", CheckInView.as_view(), name="api-visit-check-in"),
    path("visits/<int:pk>/results/", ResultView.as_view(), name="api-visit-results"),
    path("visits/<int:pk>/findings/", FindingCreateView.as_view(), name="api-visit-findings"),
    path("visits/<int:pk>/findings/<int:finding_pk>/", FindingView.as_view(), name="api-visit-finding"),
    path("visits/<int:pk>/findings/<int:finding_pk>/photos/", FindingPhotosView.as_view(),
         name="api-visit-finding-photos"),
    path("visits/<int:pk>/findings/<uuid:finding_uuid>/", FindingByUuidView.as_view(), name="api-visit-finding-uuid"),
    path("visits/<int:pk>/findings/<uuid:finding_uuid>/photo/", FindingPhotoByUuidView.as_view(),
         name="api-visit-finding-uuid-photo"),
    path("visits/<int:pk>/sign/", SignView.as_view(), name="api-visit-sign"),
    path("visits/<int:pk>/submit/", SubmitView.as_view(), name="api-visit-submit"),
    path("visits/<int:pk>/review/", ReviewView.as_view(), name="api-visit-review"),
]
