"""REST API for planning a visit: the list of visits takes a POST (plan one), and the team candidates of a school.

The plan screen's own form (`forms_visits.VisitPlanForm`) checks the shape: a school the caller may plan for,
a date not before today, a lead and members among the inspectors who may inspect that school; the service
`visits.visit_plan` decides (403 for someone who may plan nowhere). A replayed `client_uuid` answers 200 with
the visit already planned (201 the first time), as the orders, findings and reports do.
"""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.response import Response

from config.api_pagination import KeysetPage
from config.params import MAX_ID, int_value
from inspections.visits import services
from inspections.api.errors import ServiceErrorsMixin
from inspections.visits.api import ERRORS, VisitDetailSerializer, VisitListView
from inspections.visits.forms import VisitPlanForm
from inspections.visits.models import Visit
from inspections.visits.models import Kind
from inspections.visits.selectors import may_plan_anywhere, plannable_schools, team_candidates


class PlanSerializer(serializers.Serializer):
    """The shape for the schema; the plan form validates (one home for the planning fields)."""

    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.ROUTINE)
    school = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    planned_date = serializers.DateField(help_text="不早于今天")
    lead = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="组长：可检查该校的督学")
    members = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False)
    client_uuid = serializers.UUIDField(required=False, allow_null=True)


def _form_data(data) -> dict:
    values = {k: data.get(k) for k in ("kind", "school", "planned_date", "lead", "client_uuid") if data.get(k)}
    members = data.getlist("members") if hasattr(data, "getlist") else data.get("members", [])
    values.setdefault("kind", Kind.ROUTINE)
    return {**values, "members": members if isinstance(members, list) else [members]}


def _replayed(client_uuid) -> bool:
    return client_uuid is not None and Visit.objects.filter(client_uuid=client_uuid).exists()


class VisitListPlan(VisitListView):
    @extend_schema(request=PlanSerializer, responses={201: VisitDetailSerializer, 200: VisitDetailSerializer,
                                                      **ERRORS}, operation_id="visits_create",
                   description="安排督导检查（与安排页面同一规则）。同一 client_uuid 重放返回已安排的检查（200）。")
    def post(self, request):
        if not may_plan_anywhere(request.user):
            raise exceptions.PermissionDenied()
        form = VisitPlanForm(_form_data(request.data), user=request.user)
        if not form.is_valid():
            raise exceptions.ValidationError({f: [e["message"] for e in errs]
                                              for f, errs in form.errors.get_json_data().items()})
        data = form.cleaned_data
        replay = _replayed(data.get("client_uuid"))
        visit = services.visit_plan(school=data["school"], planned_date=data["planned_date"], kind=data["kind"],
                                    lead=data["lead"], members=list(data["members"]), planned_by=request.user,
                                    client_uuid=data.get("client_uuid"))
        return Response(VisitDetailSerializer(Visit.objects.get(pk=visit.pk)).data, status=200 if replay else 201)


class CandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()


class TeamCandidates(ServiceErrorsMixin, generics.ListAPIView):
    """Inspectors who may inspect the school (the plan form offers exactly these as lead and members)."""

    serializer_class = CandidateSerializer
    pagination_class = KeysetPage
    filter_backends = []

    @extend_schema(parameters=[OpenApiParameter("school", int, required=True,
                                                description="可安排检查的学校；其他为 404")],
                   responses={200: CandidateSerializer(many=True), 404: OpenApiResponse(description="not visible")},
                   operation_id="visits_team_candidates_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        school = plannable_schools(self.request.user).filter(
            pk=int_value(self.request.query_params.get("school"), "school") or 0).first()
        if school is None:
            raise exceptions.NotFound()
        return team_candidates(school)

    def get_serializer(self, rows, many=True):
        return CandidateSerializer([{"id": u.pk, "username": u.username, "name": u.get_full_name() or u.username}
                                    for u in rows], many=True)


urlpatterns = [
    path("visits/", VisitListPlan.as_view(), name="api-visits"),
    path("visits/team-candidates/", TeamCandidates.as_view(), name="api-visit-team-candidates"),
]
