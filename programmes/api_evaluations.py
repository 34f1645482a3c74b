"""REST API of performance evaluation (绩效评价): list and create evaluations, set weights (a new version
once published), recompute and publish a version, read its scorecards, comment and review a comment.

What the caller may not see is 404 (a draft is the programme office's only); a step the caller sees but may
not take is 403; a published version recomputed or commented is 409; bad weights or dates are 400 by field.
"""
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from config.api_pagination import page_of

from . import evaluations, scoring
from .api import ApiBase, ById
from .models import EvaluationVersion, Scorecard
from .selectors import get_programme_for_user
from .selectors_evaluations import (evaluations_visible_to, get_evaluation_for_user, get_scorecard_for_user,
                                    get_version_for_user, ranking, versions_visible_to)


class SchemeSerializer(serializers.Serializer):
    weights = serializers.DictField(child=serializers.FloatField(min_value=0, max_value=1000),
                                    help_text="input name → weight (a missing input weighs 0); inputs: " + ", ".join(scoring.INPUTS))
    severity_points = serializers.DictField(child=serializers.FloatField(min_value=0, max_value=1000),
                                            required=False)
    findings_cap = serializers.FloatField(min_value=0, max_value=1000, required=False)


class VersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=EvaluationVersion.Status.choices)
    scheme = SchemeSerializer()
    formula = serializers.SerializerMethodField()
    reason = serializers.CharField()
    computed_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)

    def get_formula(self, version) -> str:
        return scoring.formula(version.scheme)


class EvaluationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    programme = serializers.IntegerField(source="programme_id")
    title = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    versions = serializers.SerializerMethodField()

    @extend_schema_field(VersionSerializer(many=True))
    def get_versions(self, evaluation):
        shown = versions_visible_to(self.context["user"]).filter(evaluation=evaluation).order_by("number")
        return VersionSerializer(shown, many=True).data


class ScorecardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField(source="version_id")
    unit = serializers.IntegerField(source="unit_id")
    unit_name = serializers.CharField(source="unit.name")
    level = serializers.ChoiceField(choices=Scorecard.Level.choices)
    score = serializers.DecimalField(max_digits=6, decimal_places=2)
    rank = serializers.IntegerField()
    inputs = serializers.DictField(child=serializers.DictField(), help_text="input → {value (0..1 or null), counts}")
    comment = serializers.SerializerMethodField()
    comment_reviewed = serializers.SerializerMethodField()

    def get_comment(self, card) -> str:
        return card.comment

    def get_comment_reviewed(self, card) -> bool:
        return card.comment_reviewed_at is not None


class EvaluationCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    scheme = SchemeSerializer(required=False)


class WeightsSerializer(serializers.Serializer):
    scheme = SchemeSerializer()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000)


ERRORS = {400: OpenApiResponse(description="bad input, by field"),
          403: OpenApiResponse(description="seen, but not the programme office's leader / not yours to do"),
          404: OpenApiResponse(description="not found or not visible"),
          409: OpenApiResponse(description="the version is published (frozen) or nothing awaits review")}


class EvaluationListView(ApiBase):
    pagination_class = ById

    @extend_schema(responses={200: EvaluationSerializer(many=True)}, operation_id="evaluations_list")
    def get(self, request):
        return page_of(self, evaluations_visible_to(request.user),
                       lambda page: EvaluationSerializer(page, many=True, context={"user": request.user}).data)


class EvaluationCreateView(ApiBase):
    @extend_schema(request=EvaluationCreateSerializer, responses={201: EvaluationSerializer, **ERRORS},
                   operation_id="programmes_evaluations_create")
    def post(self, request, pk):
        programme = get_programme_for_user(request.user, pk)
        data = EvaluationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evaluation = evaluations.evaluation_create(user=request.user, programme=programme, **data.validated_data)
        return Response(EvaluationSerializer(evaluation, context={"user": request.user}).data,
                        status=status.HTTP_201_CREATED)


class EvaluationDetailView(ApiBase):
    @extend_schema(responses={200: EvaluationSerializer, 404: ERRORS[404]}, operation_id="evaluations_retrieve")
    def get(self, request, pk):
        evaluation = get_evaluation_for_user(request.user, pk)
        return Response(EvaluationSerializer(evaluation, context={"user": request.user}).data)


class EvaluationWeightsView(ApiBase):
    @extend_schema(request=WeightsSerializer, responses={200: VersionSerializer, **ERRORS},
                   operation_id="evaluations_weights")
    def post(self, request, pk):
        evaluation = get_evaluation_for_user(request.user, pk)
        data = WeightsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = evaluations.evaluation_set_weights(user=request.user, evaluation=evaluation,
                                                     scheme=data.validated_data["scheme"],
                                                     reason=data.validated_data.get("reason", ""))
        return Response(VersionSerializer(version).data)


class VersionScorecardsView(ApiBase):
    @extend_schema(responses={200: ScorecardSerializer(many=True), 404: ERRORS[404]},
                   operation_id="evaluation_versions_scorecards")
    def get(self, request, pk):
        version = get_version_for_user(request.user, pk)
        return Response(ScorecardSerializer(ranking(request.user, version), many=True).data)


class VersionStepView(ApiBase):
    step = None

    def post(self, request, pk):
        version = get_version_for_user(request.user, pk)
        return Response(VersionSerializer(self.step(user=request.user, version=version)).data)


class VersionRecomputeView(VersionStepView):
    step = staticmethod(evaluations.evaluation_recompute)

    @extend_schema(request=None, responses={200: VersionSerializer, **ERRORS},
                   operation_id="evaluation_versions_recompute")
    def post(self, request, pk):
        return super().post(request, pk)


class VersionPublishView(VersionStepView):
    step = staticmethod(evaluations.evaluation_publish)

    @extend_schema(request=None, responses={200: VersionSerializer, **ERRORS},
                   operation_id="evaluation_versions_publish")
    def post(self, request, pk):
        return super().post(request, pk)


class ScorecardDetailView(ApiBase):
    @extend_schema(responses={200: ScorecardSerializer, 404: ERRORS[404]}, operation_id="scorecards_retrieve")
    def get(self, request, pk):
        return Response(ScorecardSerializer(get_scorecard_for_user(request.user, pk)).data)


class ScorecardCommentView(ApiBase):
    @extend_schema(request=CommentSerializer, responses={200: ScorecardSerializer, **ERRORS},
                   operation_id="scorecards_comment")
    def post(self, request, pk):
        card = get_scorecard_for_user(request.user, pk)
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        card = evaluations.scorecard_comment(user=request.user, scorecard=card, text=data.validated_data["comment"])
        return Response(ScorecardSerializer(card).data)


class ScorecardCommentReviewView(ApiBase):
    @extend_schema(request=None, responses={200: ScorecardSerializer, **ERRORS},
                   operation_id="scorecards_comment_review")
    def post(self, request, pk):
        card = get_scorecard_for_user(request.user, pk)
        return Response(ScorecardSerializer(evaluations.scorecard_comment_review(user=request.user,
                                                                                scorecard=card)).data)


urlpatterns = [
    path("evaluations/", EvaluationListView.as_view(), name="api-evaluations"),
    path("programmes/<int:pk>/evaluations/", EvaluationCreateView.as_view(), name="api-programme-evaluations"),
    path("evaluations/<int:pk>/", EvaluationDetailView.as_view(), name="api-evaluation"),
    path("evaluations/<int:pk>/weights/", EvaluationWeightsView.as_view(), name="api-evaluation-weights"),
    path("evaluation-versions/<int:pk>/scorecards/", VersionScorecardsView.as_view(),
         name="api-evaluation-version-scorecards"),
    path("evaluation-versions/<int:pk>/recompute/", VersionRecomputeView.as_view(),
         name="api-evaluation-version-recompute"),
    path("evaluation-versions/<int:pk>/publish/", VersionPublishView.as_view(), name="api-evaluation-version-publish"),
    path("scorecards/<int:pk>/", ScorecardDetailView.as_view(), name="api-scorecard"),
    path("scorecards/<int:pk>/comment/", ScorecardCommentView.as_view(), name="api-scorecard-comment"),
    path("scorecards/<int:pk>/comment-review/", ScorecardCommentReviewView.as_view(),
         name="api-scorecard-comment-review"),
]
