"""REST API for 双随机 campaigns and their draws: list, create, read, draw, publish, redraw, publish results.

The same services as the campaign pages (inspections/campaigns/services.py): they decide who may run a draw or publish
(403) and refuse what the record's state does not allow; a campaign or draw out of the caller's sight is a
404 (`get_campaign_for_user`, `get_draw_for_user`: the organiser's leaders and admins only, because a draw
record carries the conflict register it honoured).
"""
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_pagination import KeysetPage
from config.params import MAX_ID, validate_supported_date
from inspections.campaigns import services
from inspections.api.errors import ServiceErrorsMixin
from inspections.campaigns.models import Draw
from inspections.visits.models import Campaign
from inspections import limits
from inspections.idempotency.services import create_once
from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm

ERRORS = {400: OpenApiResponse(description="字段错误 / bad input"),
          403: OpenApiResponse(description="无权办理 / may see but may not act"),
          404: OpenApiResponse(description="不存在或不可见 / not visible")}


# A client UUID already used for something this caller may not see: the refusal any stranger gets.
REPLAY_REFUSAL = _("该请求编号已被使用。")


def _id(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class DrawSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Draw
        fields = ["id", "status", "seed", "created_at", "published_at", "supersedes", "redraw_reason"]


class CampaignSerializer(serializers.ModelSerializer):
    organiser_name = serializers.CharField(source="organiser.name", read_only=True)

    class Meta:
        model = Campaign
        fields = ["id", "title", "kind", "organiser", "organiser_name", "period_start", "period_end", "template",
                  "results_published_at", "risk_weights"]
        read_only_fields = ["risk_weights"]


class CampaignDetailSerializer(CampaignSerializer):
    draws = DrawSummarySerializer(many=True, read_only=True)
    current_draw = serializers.SerializerMethodField(help_text="当前有效的已公布抽取 / the published draw in force")
    pool_size = serializers.SerializerMethodField(help_text="可抽取的学校数")
    inspectors = serializers.SerializerMethodField(help_text="督学库（id）")
    publication_due = serializers.SerializerMethodField()

    class Meta(CampaignSerializer.Meta):
        fields = CampaignSerializer.Meta.fields + ["draws", "current_draw", "pool_size", "inspectors",
                                                   "publication_due"]

    def get_current_draw(self, campaign) -> int | None:
        current = services.current_draw(campaign)
        return current.pk if current else None

    def get_pool_size(self, campaign) -> int:
        return services.target_pool(campaign=campaign).count()

    def get_inspectors(self, campaign) -> list[int]:
        return list(services.inspector_pool(campaign=campaign).values_list("pk", flat=True))

    def get_publication_due(self, campaign) -> str | None:
        due = services.publication_due(campaign)
        return due.isoformat() if due else None


class AssignmentSerializer(serializers.Serializer):
    school = serializers.IntegerField()
    school_name = serializers.CharField()
    team = serializers.ListField(child=serializers.IntegerField())
    lead = serializers.IntegerField()


class DrawSerializer(DrawSummarySerializer):
    campaign = serializers.IntegerField(source="campaign_id", read_only=True)
    assignments = serializers.SerializerMethodField()
    reproduces = serializers.SerializerMethodField(help_text="以记录的种子与条件重算得到同一结果")

    class Meta(DrawSummarySerializer.Meta):
        fields = DrawSummarySerializer.Meta.fields + ["campaign", "assignments", "reproduces"]

    @extend_schema_field(AssignmentSerializer(many=True))
    def get_assignments(self, record):
        names = {t["id"]: t.get("name", "") for t in record.inputs["targets"]}
        return [{"school": row["school"], "school_name": names.get(row["school"], ""), "team": row["team"],
                 "lead": row["lead"]} for row in record.result["assignments"]]

    def get_reproduces(self, record) -> bool:
        return services.draw_verify(record)


class CampaignCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    organiser = _id(help_text="组织机构（我担任督导领导的区县或市）")
    period_start = serializers.DateField(validators=[validate_supported_date])
    period_end = serializers.DateField(validators=[validate_supported_date])
    client_uuid = serializers.UUIDField(required=False, allow_null=True,
                                        help_text="客户端生成；重试同一请求只建一次 / a retry makes nothing twice")


class DrawCreateSerializer(serializers.Serializer):
    under = _id(required=False, allow_null=True, help_text="只抽该机构之下的学校")
    school_level = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    inspectors = serializers.ListField(child=_id(), required=False, default=list, max_length=500,
                                       help_text="从督导库中选出的督学；不填为全部")
    n = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=10000)
    percent = serializers.DecimalField(required=False, allow_null=True, max_digits=5, decimal_places=2,
                                       min_value=0, max_value=100)
    team_size = serializers.IntegerField(required=False, default=2, min_value=1, max_value=20)
    weighted = serializers.BooleanField(required=False, default=False)
    seed = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    client_uuid = serializers.UUIDField(required=False, allow_null=True,
                                        help_text="客户端生成；重试同一请求只抽一次 / a retry draws once")


class RedrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=limits.NOTE)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class CampaignList(ServiceErrorsMixin, generics.ListAPIView):
    """双随机 campaigns of the authorities I lead or administer, newest first."""

    serializer_class = CampaignSerializer
    pagination_class = KeysetPage
    filter_backends = []

    def get_queryset(self):
        return services.campaigns_visible_to(self.request.user)

    @extend_schema(request=CampaignCreateSerializer,
                   responses={201: CampaignDetailSerializer, 200: CampaignDetailSerializer, **ERRORS},
                   operation_id="campaigns_create", description="建立双随机活动；重放同一 client_uuid 答复 200 与已建的活动。")
    def post(self, request):
        data = _valid(CampaignCreateSerializer, request.data)
        organiser = policy.orgs_with(request.user, Perm.LEAD).filter(pk=data.pop("organiser")).first()
        if organiser is None:
            raise serializers.ValidationError({"organiser": ["该机构不存在或您不是其督导领导。"]})
        campaign, created = create_once(
            kind="campaign", client_uuid=data.pop("client_uuid", None), user=request.user,
            visible=services.campaigns_visible_to(request.user), refusal=REPLAY_REFUSAL,
            make=lambda: services.campaign_create(organiser=organiser, user=request.user, **data))
        return Response(CampaignDetailSerializer(campaign).data, status=201 if created else 200)


class CampaignDetail(ServiceErrorsMixin, APIView):
    @extend_schema(responses={200: CampaignDetailSerializer, 404: ERRORS[404]}, operation_id="campaigns_get")
    def get(self, request, pk):
        return Response(CampaignDetailSerializer(services.get_campaign_for_user(request.user, pk)).data)


class CampaignDraw(ServiceErrorsMixin, APIView):
    @extend_schema(request=DrawCreateSerializer, responses={201: DrawSerializer, 200: DrawSerializer, **ERRORS},
                   operation_id="campaigns_draws_create",
                   description="随机抽取学校与督学（草稿；公布前可核对、重新抽取）。重放同一 client_uuid 答复 200 与已抽的记录。")
    def post(self, request, pk):
        campaign = services.get_campaign_for_user(request.user, pk)
        data = _valid(DrawCreateSerializer, request.data)
        record, created = create_once(
            kind="draw", client_uuid=data.pop("client_uuid", None), user=request.user,
            visible=services.draws_visible_to(request.user).filter(campaign=campaign), refusal=REPLAY_REFUSAL,
            make=lambda: self.draw(request, campaign, data))
        return Response(DrawSerializer(record).data, status=201 if created else 200)

    @staticmethod
    def draw(request, campaign, data) -> Draw:
        under = Organization.objects.filter(pk=data.pop("under", None) or 0).first()
        inspectors = services.inspector_pool(campaign=campaign)
        if chosen := data.pop("inspectors"):
            inspectors = inspectors.filter(pk__in=chosen)
        percent = data.pop("percent", None)
        return services.draw_create(
            campaign=campaign, user=request.user, inspectors=inspectors,
            schools=services.target_pool(campaign=campaign, under=under, school_level=data.pop("school_level")),
            percent=float(percent) if percent is not None else None, **data)


class CampaignResultsPublish(ServiceErrorsMixin, APIView):
    @extend_schema(request=None, responses={200: CampaignDetailSerializer, **ERRORS},
                   operation_id="campaigns_results_publish",
                   description="公布检查结果（一公开）；重复公布不变。")
    def post(self, request, pk):
        campaign = services.get_campaign_for_user(request.user, pk)
        return Response(CampaignDetailSerializer(services.results_publish(campaign=campaign, user=request.user)).data)


class DrawDetail(ServiceErrorsMixin, APIView):
    @extend_schema(responses={200: DrawSerializer, 404: ERRORS[404]}, operation_id="draws_get")
    def get(self, request, pk):
        return Response(DrawSerializer(services.get_draw_for_user(request.user, pk)).data)


class DrawPublish(ServiceErrorsMixin, APIView):
    @extend_schema(request=None, responses={200: DrawSerializer, **ERRORS}, operation_id="draws_publish",
                   description="公布抽取结果并安排检查；已公布的不能再公布（400）。")
    def post(self, request, pk):
        record = services.get_draw_for_user(request.user, pk)
        return Response(DrawSerializer(services.draw_publish(draw=record, user=request.user)).data)


class DrawRedraw(ServiceErrorsMixin, APIView):
    @extend_schema(request=RedrawSerializer, responses={201: DrawSerializer, **ERRORS}, operation_id="draws_redraw",
                   description="重新抽取（须说明理由；原记录保留）。")
    def post(self, request, pk):
        record = services.get_draw_for_user(request.user, pk)
        data = _valid(RedrawSerializer, request.data)
        return Response(DrawSerializer(services.draw_redraw(draw=record, user=request.user, **data)).data, status=201)


urlpatterns = [
    path("campaigns/", CampaignList.as_view(), name="api-campaigns"),
    path("campaigns/<int:pk>/", CampaignDetail.as_view(), name="api-campaign"),
    path("campaigns/<int:pk>/draws/", CampaignDraw.as_view(), name="api-campaign-draws"),
    path("campaigns/<int:pk>/results/publish/", CampaignResultsPublish.as_view(), name="api-campaign-results-publish"),
    path("draws/<int:pk>/", DrawDetail.as_view(), name="api-draw"),
    path("draws/<int:pk>/publish/", DrawPublish.as_view(), name="api-draw-publish"),
    path("draws/<int:pk>/redraw/", DrawRedraw.as_view(), name="api-draw-redraw"),
]
