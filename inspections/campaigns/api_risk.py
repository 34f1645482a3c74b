"""REST API of a campaign's risk weights (按风险加权): read the factors and weights, set the weights.

Same rule as the draws: the organiser's leaders set them (403 otherwise); a campaign out of sight is 404.
"""
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from inspections.campaigns import services as draws
from inspections.api.errors import ServiceErrorsMixin
from inspections.campaigns.risk_factors import campaign_set_risk_weights
from inspections.campaigns.risk import DEFAULT_WEIGHTS, FACTOR_LABELS

from inspections.campaigns.api import ERRORS


class RiskFactorSerializer(serializers.Serializer):
    factor = serializers.CharField()
    label = serializers.CharField()
    default_weight = serializers.FloatField()
    weight = serializers.FloatField(allow_null=True, help_text="本专项检查设定的权重；未设为 null")


class RiskWeightsSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    enabled = serializers.BooleanField(help_text="加权抽取时按风险分计算")
    factors = RiskFactorSerializer(many=True)


class RiskWeightsInputSerializer(serializers.Serializer):
    weights = serializers.DictField(child=serializers.FloatField(min_value=0, max_value=100),
                                    help_text="因素 → 权重（0–100）；空对象关闭风险加权")


def _payload(campaign) -> dict:
    weights = campaign.risk_weights or {}
    return {"campaign": campaign.pk, "enabled": bool(weights),
            "factors": [{"factor": name, "label": str(label), "default_weight": DEFAULT_WEIGHTS[name],
                         "weight": weights.get(name)} for name, label in FACTOR_LABELS.items()]}


class CampaignRiskWeights(ServiceErrorsMixin, APIView):
    @extend_schema(responses={200: RiskWeightsSerializer, 404: ERRORS[404]}, operation_id="campaigns_risk_get")
    def get(self, request, pk):
        return Response(RiskWeightsSerializer(_payload(draws.get_campaign_for_user(request.user, pk))).data)

    @extend_schema(request=RiskWeightsInputSerializer, responses={200: RiskWeightsSerializer, **ERRORS},
                   operation_id="campaigns_risk_set",
                   description="设置风险权重；已做的抽取记录其所用权重，不受影响。")
    def post(self, request, pk):
        campaign = draws.get_campaign_for_user(request.user, pk)
        serializer = RiskWeightsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = campaign_set_risk_weights(campaign=campaign, user=request.user,
                                             weights=serializer.validated_data["weights"])
        return Response(RiskWeightsSerializer(_payload(campaign)).data)


urlpatterns = [path("campaigns/<int:pk>/risk-weights/", CampaignRiskWeights.as_view(), name="api-campaign-risk")]
