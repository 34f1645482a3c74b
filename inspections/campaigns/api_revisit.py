"""REST API of 回头看 campaigns: create one (its targets are the schools with orders closed N months ago) and
read its targets with the closed findings to check again and those found again (re-opened).

The organiser's leaders create (403 otherwise); a campaign out of the caller's sight is 404.
"""
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.params import validate_supported_date
from inspections.campaigns import revisit
from inspections.api.errors import ServiceErrorsMixin
from organizations import policy
from organizations.roles import Perm

from inspections.campaigns.api import ERRORS, CampaignSerializer, _id, _valid


class RevisitCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    organiser = _id(help_text="组织机构（我担任督导领导的区县或市）")
    period_start = serializers.DateField(validators=[validate_supported_date])
    period_end = serializers.DateField(validators=[validate_supported_date])
    months = serializers.IntegerField(min_value=1, max_value=revisit.MAX_MONTHS, help_text="销号后月数")


class RevisitFindingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField(source="order_id")
    order_number = serializers.CharField(source="order.number")
    item_code = serializers.CharField(source="item.code", allow_null=True, default=None)
    description = serializers.CharField()


class RevisitTargetSerializer(serializers.Serializer):
    school = serializers.IntegerField()
    closed = RevisitFindingSerializer(many=True)
    reopened = RevisitFindingSerializer(many=True, help_text="回头看时同一检查项再次发现（计为重复问题）")


class RevisitCampaignSerializer(CampaignSerializer):
    revisit_months = serializers.IntegerField(read_only=True)
    targets = serializers.SerializerMethodField()

    class Meta(CampaignSerializer.Meta):
        fields = CampaignSerializer.Meta.fields + ["revisit_months", "targets"]

    @extend_schema_field(RevisitTargetSerializer(many=True))
    def get_targets(self, campaign) -> list[dict]:
        return RevisitTargetSerializer(revisit.revisit_targets(campaign), many=True).data


class RevisitCampaignList(ServiceErrorsMixin, APIView):
    @extend_schema(request=RevisitCreateSerializer, responses={201: RevisitCampaignSerializer, **ERRORS},
                   operation_id="revisit_campaigns_create", description="创建回头看专项检查。")
    def post(self, request):
        data = _valid(RevisitCreateSerializer, request.data)
        organiser = policy.orgs_with(request.user, Perm.LEAD).filter(pk=data.pop("organiser")).first()
        if organiser is None:
            raise serializers.ValidationError({"organiser": ["该机构不存在或您不是其督导领导。"]})
        campaign = revisit.revisit_campaign_create(organiser=organiser, user=request.user, **data)
        return Response(RevisitCampaignSerializer(campaign).data, status=201)


class RevisitCampaignDetail(ServiceErrorsMixin, APIView):
    @extend_schema(responses={200: RevisitCampaignSerializer, 404: ERRORS[404]}, operation_id="revisit_campaigns_get")
    def get(self, request, pk):
        return Response(RevisitCampaignSerializer(revisit.get_revisit_campaign_for_user(request.user, pk)).data)


urlpatterns = [
    path("revisit-campaigns/", RevisitCampaignList.as_view(), name="api-revisit-campaigns"),
    path("revisit-campaigns/<int:pk>/", RevisitCampaignDetail.as_view(), name="api-revisit-campaign"),
]
