"""REST API for the clue's steps as staff take them on the clue page: register, triage, verify (desk check or
surprise visit), reply, close.

Thin, like the page (inspections/clues/views.py): fetch-and-authorise with `get_clue_for_user` (404 for a
clue out of sight), the services in inspections/clues/services.py decide who may act (403) and in which state (409).
Every answer is the clue as the caller may see it (the complainant masked unless allowed).
"""
from django.contrib.auth import get_user_model
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.params import MAX_ID, validate_supported_date
from inspections.clues import services
from inspections.clues.once import clue_register_once
from inspections.clues.api import ClueSerializer
from inspections.api.errors import ServiceErrorsMixin
from inspections.clues.models import Clue
from inspections import limits
from inspections.clues.selectors import clue_for_viewer, get_clue_for_user
from organizations.models import Organization

ERRORS = {400: OpenApiResponse(description="字段错误 / bad input"),
          403: OpenApiResponse(description="无权办理 / may see but may not act"),
          404: OpenApiResponse(description="不存在或不可见 / not visible"),
          409: OpenApiResponse(description="当前状态不允许 / state conflict")}


def _id(**kwargs):
    # Within a bigint: a larger id names no row and PostgreSQL refuses to compare with it (a 500).
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class RegisterSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=Clue.Source.choices)
    external_ref = serializers.CharField(required=False, allow_blank=True, default="", max_length=64,
                                         help_text="来源编号（12345 工单号）；同一来源同一编号重放返回已登记的线索")
    content = serializers.CharField(max_length=limits.REPORT)
    received_at = serializers.DateTimeField(required=False, help_text="默认为现在")
    school = _id(required=False, allow_null=True)
    district = _id(required=False, allow_null=True, help_text="不指定学校时必填：负责分办的区县（或市）")
    complainant_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    complainant_contact = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class TriageSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Clue.Decision.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)
    school = _id(required=False, allow_null=True, help_text="线索未指明学校时，由分办确定")


class DeskCheckSerializer(serializers.Serializer):
    result = serializers.CharField(max_length=limits.REPORT)
    substantiated = serializers.BooleanField()


class VisitCheckSerializer(serializers.Serializer):
    planned_date = serializers.DateField(validators=[validate_supported_date])
    lead = _id()
    members = serializers.ListField(child=_id(), required=False, default=list, max_length=20)


class ReplySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=limits.REPORT)
    method = serializers.ChoiceField(choices=Clue.ReplyMethod.choices)
    date = serializers.DateField(required=False, allow_null=True, validators=[validate_supported_date])
    substantiated = serializers.BooleanField(required=False, allow_null=True, default=None)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _org(pk):
    # The services check that a school lies in the clue's district; an unknown id is simply none.
    return Organization.objects.filter(pk=pk).first() if pk else None


def _people(ids) -> list:
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True))


def _answer(clue, user, code=200):
    clue = get_clue_for_user(user, clue.pk)
    return Response(ClueSerializer(clue_for_viewer(clue, user)).data, status=code)


class ClueRegister(ServiceErrorsMixin, APIView):
    @extend_schema(request=RegisterSerializer, responses={201: ClueSerializer, 200: ClueSerializer, **ERRORS},
                   operation_id="clues_register",
                   description="工作人员登记线索（热线、信箱、电话、来访）。同一 (source, external_ref) 由本人重放返回 200。")
    def post(self, request):
        data = _valid(RegisterSerializer, request.data)
        received = data.pop("received_at", None) or timezone.now()
        school, district = _org(data.pop("school", None)), _org(data.pop("district", None))
        clue, created = clue_register_once(received_at=received, school=school, district=district,
                                           registered_by=request.user, **data)
        return _answer(clue, request.user, 201 if created else 200)


class ClueStep(ServiceErrorsMixin, APIView):
    """One POST step: validate the body, call the step's service with the fetched clue, answer the clue."""

    input_serializer: type[serializers.Serializer] | None = None

    def post(self, request, pk):
        clue = get_clue_for_user(request.user, pk)
        data = _valid(self.input_serializer, request.data) if self.input_serializer else {}
        return _answer(self.act(clue, request.user, data), request.user)


def _step_schema(input_serializer, description):
    return extend_schema(request=input_serializer, responses={200: ClueSerializer, **ERRORS},
                         description=description)


@_step_schema(TriageSerializer, "区县督导领导分办：out_of_scope（须说明理由）/ desk_check / surprise_visit（须确定学校）。")
class ClueTriage(ClueStep):
    input_serializer = TriageSerializer

    def act(self, clue, user, data):
        return services.clue_triage(clue=clue, user=user, decision=data["decision"], reason=data["reason"],
                                    school=_org(data.get("school")))


@_step_schema(DeskCheckSerializer, "区县督学记录书面核查结果。")
class ClueVerifyDesk(ClueStep):
    input_serializer = DeskCheckSerializer

    def act(self, clue, user, data):
        return services.clue_verify_desk(clue=clue, user=user, **data)


@_step_schema(VisitCheckSerializer, "区县督学安排突击检查核查（学校在签到前看不到该检查）。")
class ClueVerifyVisit(ClueStep):
    input_serializer = VisitCheckSerializer

    def act(self, clue, user, data):
        lead = _people([data["lead"]])
        if not lead:
            raise serializers.ValidationError({"lead": ["请选择检查组组长。"]})
        return services.clue_verify_visit(clue=clue, user=user, planned_date=data["planned_date"], lead=lead[0],
                                          members=_people(data["members"]))


@_step_schema(ReplySerializer, "区县督导领导记录对反映人的答复（突击检查须已签到）。")
class ClueReply(ClueStep):
    input_serializer = ReplySerializer

    def act(self, clue, user, data):
        return services.clue_reply(clue=clue, user=user, **data)


@_step_schema(None, "答复后办结线索。")
class ClueClose(ClueStep):
    def act(self, clue, user, data):
        return services.clue_close(clue=clue, user=user)


urlpatterns = [
    path("clues/register/", ClueRegister.as_view(), name="api-clue-register"),
    path("clues/<int:pk>/triage/", ClueTriage.as_view(), name="api-clue-triage"),
    path("clues/<int:pk>/verify-desk/", ClueVerifyDesk.as_view(), name="api-clue-verify-desk"),
    path("clues/<int:pk>/verify-visit/", ClueVerifyVisit.as_view(), name="api-clue-verify-visit"),
    path("clues/<int:pk>/reply/", ClueReply.as_view(), name="api-clue-reply"),
    path("clues/<int:pk>/close/", ClueClose.as_view(), name="api-clue-close"),
]
