"""REST API of the integrators' webhooks: an organisation's admin registers endpoints, rotates their secret,
deletes them and reads each one's delivery log.

Only admins (organizations.policy MANAGE) of the endpoint's organisation or an organisation above it: an
endpoint or organisation out of the caller's sight answers 404, a visible organisation they do not manage 403.
The secret is in the answer of the create and of the rotation only.
"""
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_pagination import KeysetPage, page_of
from config.params import MAX_ID
from inspections.api.errors import ServiceErrorsMixin

from . import selectors, services
from .audience import CATALOGUE
from .models import Delivery, Endpoint

ERRORS = {400: OpenApiResponse(description="字段错误 / bad input"),
          403: OpenApiResponse(description="无权办理 / may see but may not act"),
          404: OpenApiResponse(description="不存在或不可见 / not visible")}


class EndpointSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    secret_hint = serializers.CharField(read_only=True, help_text="密钥开头几位，便于核对 / the secret's first characters")

    class Meta:
        model = Endpoint
        fields = ["id", "organization", "organization_name", "url", "events", "description", "active",
                  "secret_hint", "created_at", "secret_rotated_at"]


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.SerializerMethodField(help_text="签名密钥：只在登记和更换时返回一次 / shown once")

    class Meta(EndpointSerializer.Meta):
        fields = EndpointSerializer.Meta.fields + ["secret"]

    def get_secret(self, endpoint) -> str | None:
        return endpoint.secret if self.context.get("show_secret") else None


class EndpointInSerializer(serializers.Serializer):
    organization = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="我管理的机构")
    url = serializers.URLField(max_length=500, help_text="https:// 接收地址")
    events = serializers.ListField(child=serializers.ChoiceField(choices=sorted(CATALOGUE)), min_length=1,
                                   max_length=len(CATALOGUE))
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    client_uuid = serializers.UUIDField(required=False, allow_null=True)


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = ["id", "uuid", "event", "status", "attempts", "next_attempt_at", "last_error", "created_at",
                  "sent_at", "payload"]


class EventTypeSerializer(serializers.Serializer):
    event = serializers.CharField()
    label = serializers.CharField()


class EndpointList(ServiceErrorsMixin, generics.ListAPIView):
    """Webhook endpoints of the organisations I administer, newest first."""

    serializer_class = EndpointSerializer
    pagination_class = KeysetPage
    filter_backends = []

    def get_queryset(self):
        return selectors.endpoints_managed_by(self.request.user)

    @extend_schema(request=EndpointInSerializer, responses={201: EndpointWithSecretSerializer,
                                                            200: EndpointWithSecretSerializer, **ERRORS},
                   operation_id="webhooks_create",
                   description="登记推送地址；答复中的 secret 只出现这一次。重放同一 client_uuid 答复 200（不含 secret）。")
    def post(self, request):
        serializer = EndpointInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = selectors.get_org_for_registration(request.user, data.pop("organization"))
        endpoint, created = services.endpoint_register(user=request.user, organization=organization, **data)
        return Response(EndpointWithSecretSerializer(endpoint, context={"show_secret": created}).data,
                        status=201 if created else 200)


class EndpointDetail(ServiceErrorsMixin, APIView):
    @extend_schema(responses={200: EndpointSerializer, 404: ERRORS[404]}, operation_id="webhooks_get")
    def get(self, request, pk):
        return Response(EndpointSerializer(selectors.get_endpoint_for_admin(request.user, pk)).data)

    @extend_schema(responses={204: None, **ERRORS}, operation_id="webhooks_delete")
    def delete(self, request, pk):
        services.endpoint_delete(user=request.user, endpoint=selectors.get_endpoint_for_admin(request.user, pk))
        return Response(status=204)


class EndpointRotateSecret(ServiceErrorsMixin, APIView):
    @extend_schema(request=None, responses={200: EndpointWithSecretSerializer, **ERRORS},
                   operation_id="webhooks_rotate_secret", description="更换签名密钥，旧密钥立即失效；新密钥只返回这一次。")
    def post(self, request, pk):
        endpoint = selectors.get_endpoint_for_admin(request.user, pk)
        endpoint = services.endpoint_rotate_secret(user=request.user, endpoint=endpoint)
        return Response(EndpointWithSecretSerializer(endpoint, context={"show_secret": True}).data)


class EndpointDeliveries(ServiceErrorsMixin, APIView):
    pagination_class = KeysetPage

    @extend_schema(responses={200: DeliverySerializer(many=True), 404: ERRORS[404]},
                   operation_id="webhooks_deliveries_list", description="推送记录，新的在前：状态、尝试次数、最后的错误。")
    def get(self, request, pk):
        endpoint = selectors.get_endpoint_for_admin(request.user, pk)
        return page_of(self, selectors.deliveries_of(endpoint), lambda rows: DeliverySerializer(rows, many=True).data)


class EventTypes(APIView):
    @extend_schema(responses={200: EventTypeSerializer(many=True)}, operation_id="webhooks_events_list",
                   description="可订阅的事件类型 / the event types an endpoint may choose")
    def get(self, request):
        return Response([{"event": name, "label": str(label)} for name, label in CATALOGUE.items()])


urlpatterns = [
    path("webhooks/", EndpointList.as_view(), name="api-webhooks"),
    path("webhooks/events/", EventTypes.as_view(), name="api-webhook-events"),
    path("webhooks/<int:pk>/", EndpointDetail.as_view(), name="api-webhook"),
    path("webhooks/<int:pk>/rotate-secret/", EndpointRotateSecret.as_view(), name="api-webhook-rotate-secret"),
    path("webhooks/<int:pk>/deliveries/", EndpointDeliveries.as_view(), name="api-webhook-deliveries"),
]
