"""REST API of school self-inspection: requests (with their board), a school's self-inspection (start, results,
problems, submit, sign), the school's own plan and closure of a self-found problem, and the agreement statistic.

An object the caller may not see is 404; bad input 400 naming the field; a refusal 403; a step the
self-inspection is not at 409 (the same services and selectors as the pages).
"""
from django.http import Http404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_pagination import KeysetPage, page_of
from config.params import MAX_ID, date_param, int_param
from inspections.api.errors import Conflict, ServiceErrorsMixin
from inspections.models import Campaign, Severity
from inspections import limits
from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm

from . import actions, services
from .conflicts import SelfCheckConflict
from .models import SelfCheck, SelfCheckResult
from .selectors import (agreement, board, get_finding_for_user, get_request_for_user, get_selfcheck_for_user,
                        requests_visible_to, selfchecks_visible_to)

ERRORS = {400: OpenApiResponse(description="字段错误 / bad input"),
          403: OpenApiResponse(description="无权办理 / may see but may not act"),
          404: OpenApiResponse(description="不存在或不可见 / not visible"),
          409: OpenApiResponse(description="当前状态不允许 / not at this step")}


def _id(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class SelfCheckRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    campaign = serializers.IntegerField(source="campaign_id")
    campaign_title = serializers.CharField(source="campaign.title")
    due_date = serializers.DateField()
    note = serializers.CharField()


class SelfCheckBoardRowSerializer(serializers.Serializer):
    school = serializers.IntegerField(source="school.pk")
    school_name = serializers.CharField(source="school.name")
    selfcheck = serializers.IntegerField(source="selfcheck.pk", allow_null=True, default=None)
    status = serializers.CharField(source="selfcheck.status", allow_null=True, default=None)
    late = serializers.BooleanField()


class SelfCheckRequestDetailSerializer(SelfCheckRequestSerializer):
    board = SelfCheckBoardRowSerializer(many=True, help_text="督导部门可见；学校只看到本校")


class SelfCheckResultOutSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item_id")
    item_code = serializers.CharField(source="item.code")
    result = serializers.ChoiceField(choices=SelfCheckResult.Result.choices)
    note = serializers.CharField()


class SelfFindingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.IntegerField(source="item_id", allow_null=True)
    description = serializers.CharField()
    severity = serializers.CharField()
    status = serializers.CharField()
    plan = serializers.CharField()
    plan_due = serializers.DateField(allow_null=True)
    closure_note = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)


class SelfCheckSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    request = serializers.IntegerField(source="request_id")
    school = serializers.IntegerField(source="school_id")
    status = serializers.ChoiceField(choices=SelfCheck.Status.choices)
    summary = serializers.CharField()
    late = serializers.BooleanField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    comment = serializers.CharField()
    results = SelfCheckResultOutSerializer(many=True, source="results.all")
    findings = SelfFindingSerializer(many=True, source="findings.all")
    actions = serializers.SerializerMethodField()

    def get_actions(self, selfcheck) -> list[str]:
        return actions.actions_for(self.context["request"].user, selfcheck)


class SelfCheckRequestCreateSerializer(serializers.Serializer):
    campaign = _id()
    due_date = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)


class SelfCheckStartSerializer(serializers.Serializer):
    school = _id(required=False, help_text="不填为我所在的学校")
    client_uuid = serializers.UUIDField(required=False, allow_null=True, default=None)


class SelfCheckResultInputSerializer(serializers.Serializer):
    item = _id()
    result = serializers.ChoiceField(choices=SelfCheckResult.Result.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)


class SelfFindingInputSerializer(serializers.Serializer):
    item = _id(required=False, allow_null=True, default=None)
    description = serializers.CharField(max_length=limits.FINDING)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, default=Severity.GENERAL)


class SelfCheckSubmitSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=limits.REPORT)


class SelfCheckSignSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)


class SelfFindingPlanSerializer(serializers.Serializer):
    plan = serializers.CharField(max_length=limits.REPORT)
    plan_due = serializers.DateField()


class SelfFindingCloseSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=limits.NOTE)


class AgreementCountsSerializer(serializers.Serializer):
    organization = serializers.IntegerField(required=False)
    self_checked = serializers.IntegerField()
    inspector_findings = serializers.IntegerField()
    self_reported = serializers.IntegerField()
    missed = serializers.IntegerField(help_text="督学发现而学校自查未报告（同一检查项）")


class AgreementSerializer(serializers.Serializer):
    schools = AgreementCountsSerializer(many=True)
    districts = AgreementCountsSerializer(many=True)
    total = AgreementCountsSerializer()


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class Base(ServiceErrorsMixin, APIView):
    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        if isinstance(exc, SelfCheckConflict):
            exc = Conflict(detail=exc.messages[0])
        return super().handle_exception(exc)

    def answer(self, selfcheck, status=200):
        fresh = get_selfcheck_for_user(self.request.user, selfcheck.pk)
        return Response(SelfCheckSerializer(fresh, context={"request": self.request}).data, status=status)


def _board_for(user, request) -> list[dict]:
    """The bureau sees every school of the pool; a school sees its own row only."""
    rows = board(request)
    if actions.may_request(user, request.campaign):
        return rows
    return [row for row in rows if actions.is_school_side(user, row["school"])]


class RequestList(Base):
    pagination_class = KeysetPage

    @extend_schema(responses={200: SelfCheckRequestSerializer(many=True)}, operation_id="selfcheck_requests_list")
    def get(self, request):
        return page_of(self, requests_visible_to(request.user),
                       lambda page: SelfCheckRequestSerializer(page, many=True).data)

    @extend_schema(request=SelfCheckRequestCreateSerializer, responses={201: SelfCheckRequestDetailSerializer, **ERRORS},
                   operation_id="selfcheck_requests_create", description="布置学校自查（每个专项检查一次）。")
    def post(self, request):
        data = _valid(SelfCheckRequestCreateSerializer, request.data)
        lead = policy.orgs_with(request.user, Perm.LEAD)
        campaign = Campaign.objects.filter(pk=data.pop("campaign"), organiser__in=lead).first()
        if campaign is None:
            raise serializers.ValidationError({"campaign": ["该专项检查不存在或您不是其组织机构的督导领导。"]})
        made = services.request_create(campaign=campaign, user=request.user, **data)
        return Response(SelfCheckRequestDetailSerializer({**SelfCheckRequestSerializer(made).data, "board": board(made)}).data,
                        status=201)


class RequestDetail(Base):
    @extend_schema(responses={200: SelfCheckRequestDetailSerializer, 404: ERRORS[404]}, operation_id="selfcheck_requests_get")
    def get(self, request, pk):
        found = get_request_for_user(request.user, pk)
        return Response(SelfCheckRequestDetailSerializer({**SelfCheckRequestSerializer(found).data,
                                                 "board": _board_for(request.user, found)}).data)


class RequestStart(Base):
    @extend_schema(request=SelfCheckStartSerializer, responses={201: SelfCheckSerializer, **ERRORS},
                   operation_id="selfcheck_requests_start", description="开始（或取回）本校的自查。")
    def post(self, request, pk):
        found = get_request_for_user(request.user, pk)
        data = _valid(SelfCheckStartSerializer, request.data)
        own = policy.orgs_with(request.user, Perm.SCHOOL_REPORT).filter(kind=Organization.Kind.SCHOOL)
        school = own.filter(pk=data["school"]).first() if data.get("school") else own.first()
        if school is None:
            raise serializers.ValidationError({"school": ["您不能代表该学校自查。"]})
        made = services.selfcheck_start(request=found, school=school, user=request.user,
                                        client_uuid=data["client_uuid"])
        return self.answer(made, status=201)


class SelfCheckList(Base):
    pagination_class = KeysetPage

    @extend_schema(responses={200: SelfCheckSerializer(many=True)}, operation_id="selfchecks_list",
                   parameters=[OpenApiParameter("school", int, required=False)])
    def get(self, request):
        rows = selfchecks_visible_to(request.user).prefetch_related("results__item", "findings")
        if school := int_param(request, "school", minimum=1):
            rows = rows.filter(school_id=school)
        return page_of(self, rows, lambda page: SelfCheckSerializer(page, many=True, context={"request": request}).data)


class SelfCheckDetail(Base):
    @extend_schema(responses={200: SelfCheckSerializer, 404: ERRORS[404]}, operation_id="selfchecks_get")
    def get(self, request, pk):
        return self.answer(get_selfcheck_for_user(request.user, pk))


def _step(serializer_class, operation_id: str, description: str, call, status: int = 200):
    """One POST step on a self-inspection: validate, call the service, answer the fresh self-inspection."""
    class Step(Base):
        @extend_schema(request=serializer_class, responses={status: SelfCheckSerializer, **ERRORS},
                       operation_id=operation_id, description=description)
        def post(self, request, pk):
            selfcheck = get_selfcheck_for_user(request.user, pk)
            call(selfcheck=selfcheck, user=request.user, **_valid(serializer_class, request.data))
            return self.answer(selfcheck, status=status)

    Step.__name__ = Step.__qualname__ = "".join(part.title() for part in operation_id.split("_"))
    return Step.as_view()


def _finding_step(serializer_class, operation_id: str, description: str, call):
    class Step(Base):
        @extend_schema(request=serializer_class, responses={200: SelfFindingSerializer, **ERRORS},
                       operation_id=operation_id, description=description)
        def post(self, request, pk):
            finding = get_finding_for_user(request.user, pk)
            done = call(finding=finding, user=request.user, **_valid(serializer_class, request.data))
            return Response(SelfFindingSerializer(done).data)

    Step.__name__ = Step.__qualname__ = "".join(part.title() for part in operation_id.split("_"))
    return Step.as_view()


class Agreement(Base):
    @extend_schema(responses={200: AgreementSerializer, **ERRORS}, operation_id="selfchecks_agreement",
                   description="自查一致性：督学发现而学校自查未报告的问题数，按学校和区县。",
                   parameters=[OpenApiParameter("organization", int), OpenApiParameter("period_start", str),
                               OpenApiParameter("period_end", str)])
    def get(self, request):
        org = Organization.objects.filter(pk=int_param(request, "organization", minimum=1) or 0).first()
        if org is None or org.is_school or not policy.can(request.user, Perm.VIEW, org):
            raise Http404("organisation not found")
        start, end = date_param(request, "period_start"), date_param(request, "period_end")
        if start is None or end is None or end < start:
            raise serializers.ValidationError({"period_end": ["请填写起止日期，结束日期不早于开始日期。"]})
        return Response(AgreementSerializer(agreement(organization=org, period_start=start, period_end=end)).data)


urlpatterns = [
    path("selfcheck-requests/", RequestList.as_view(), name="api-selfcheck-requests"),
    path("selfcheck-requests/<int:pk>/", RequestDetail.as_view(), name="api-selfcheck-request"),
    path("selfcheck-requests/<int:pk>/start/", RequestStart.as_view(), name="api-selfcheck-start"),
    path("selfchecks/", SelfCheckList.as_view(), name="api-selfchecks"),
    path("selfchecks/agreement/", Agreement.as_view(), name="api-selfcheck-agreement"),
    path("selfchecks/<int:pk>/", SelfCheckDetail.as_view(), name="api-selfcheck"),
    path("selfchecks/<int:pk>/results/", _step(SelfCheckResultInputSerializer, "selfchecks_result", "记录一项自查结果。",
                                               services.result_record, 201), name="api-selfcheck-result"),
    path("selfchecks/<int:pk>/findings/", _step(SelfFindingInputSerializer, "selfchecks_finding", "记录自查发现的问题。",
                                                services.finding_record, 201), name="api-selfcheck-finding"),
    path("selfchecks/<int:pk>/submit/", _step(SelfCheckSubmitSerializer, "selfchecks_submit", "提交自查报告，送学校负责人签署。",
                                              services.selfcheck_submit), name="api-selfcheck-submit"),
    path("selfchecks/<int:pk>/sign/", _step(SelfCheckSignSerializer, "selfchecks_sign", "学校负责人签署或退回（须写理由）。",
                                            services.selfcheck_sign), name="api-selfcheck-sign"),
    path("selfcheck-findings/<int:pk>/plan/", _finding_step(SelfFindingPlanSerializer, "selfcheck_findings_plan",
                                                            "制定本校整改措施。", services.finding_plan),
         name="api-selfcheck-finding-plan"),
    path("selfcheck-findings/<int:pk>/close/", _finding_step(SelfFindingCloseSerializer, "selfcheck_findings_close",
                                                             "学校负责人销号。", services.finding_close),
         name="api-selfcheck-finding-close"),
]
