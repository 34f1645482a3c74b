"""REST API for clues.

`POST /api/v1/clues/` is the intake for a hotline system (12345): it is
authenticated by an organisation-scoped key in the `X-Api-Key` header (not by
a user), and is idempotent on (source, external_ref): a replay answers 200
with the clue already filed instead of creating another. `GET` lists and
details are for authority staff and show the complainant only to those
allowed (inspections.clues.selectors.clue_for_viewer).
"""
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from inspections.clues import services
from config.api_pagination import KeysetPage, page_of
from inspections.api.errors import ServiceErrorsMixin
from inspections.clues.models import Clue
from inspections import limits
from inspections.clues.selectors import clue_for_viewer, clues_visible_to, get_clue_for_user
from organizations.models import Organization

KEY_HEADER = "X-Api-Key"


class IntakeSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=[Clue.Source.HOTLINE, Clue.Source.MAILBOX, Clue.Source.PHONE,
                                              Clue.Source.API], default=Clue.Source.HOTLINE)
    external_ref = serializers.CharField(max_length=64)
    content = serializers.CharField(max_length=limits.REPORT)
    received_at = serializers.DateTimeField()
    school_code = serializers.CharField(required=False, allow_blank=True, max_length=32)
    complainant_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    complainant_contact = serializers.CharField(required=False, allow_blank=True, max_length=100)

    def validate_school_code(self, value):
        if not value:
            return None
        school = Organization.objects.filter(code=value, kind=Organization.Kind.SCHOOL).first()
        if school is None:
            raise serializers.ValidationError("unknown school code")
        return school


class ClueSerializer(serializers.Serializer):
    """A clue as the caller may see it: the complainant is masked unless they are allowed."""

    id = serializers.IntegerField(source="clue.pk")
    source = serializers.CharField()
    external_ref = serializers.CharField()
    received_at = serializers.DateTimeField()
    content = serializers.CharField()
    school = serializers.IntegerField(source="clue.school_id", allow_null=True)
    district = serializers.IntegerField(source="clue.district_id")
    status = serializers.CharField()
    decision = serializers.CharField()
    visit = serializers.IntegerField(source="clue.visit_id", allow_null=True)
    complainant_name = serializers.CharField()
    complainant_contact = serializers.CharField()
    complainant_visible = serializers.BooleanField()
    decision_reason = serializers.CharField(allow_blank=True)
    desk_result = serializers.CharField(allow_blank=True)
    substantiated = serializers.BooleanField(allow_null=True)
    reply_text = serializers.CharField(allow_blank=True)
    reply_method = serializers.CharField(allow_blank=True)
    reply_date = serializers.DateField(allow_null=True)


class NewestReceived(KeysetPage):
    ordering = ("-received_at", "-pk")


class ClueListView(ServiceErrorsMixin, APIView):
    """GET: clues the caller may see (staff). POST: intake by a hotline system with an X-Api-Key."""

    pagination_class = NewestReceived

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_authenticators(self):
        # The intake is authenticated by the key alone; no session, so no CSRF and no user.
        return [] if self.request is None or self.request.method == "POST" else super().get_authenticators()


    @extend_schema(responses={200: ClueSerializer(many=True)}, operation_id="clues_list",
                   description="Newest received first, in keyset pages {results, next}.")
    def get(self, request):
        # Keyset pages like every list (this was one list capped at 200): docs/API.md, changelog.
        return page_of(self, clues_visible_to(request.user),
                       lambda rows: ClueSerializer([clue_for_viewer(c, request.user) for c in rows], many=True).data)

    @extend_schema(request=IntakeSerializer, parameters=[OpenApiParameter(KEY_HEADER, location="header",
                                                                          required=True)],
                   responses={201: OpenApiResponse(description="created"),
                              200: OpenApiResponse(description="already filed (replay)"),
                              400: OpenApiResponse(description="bad input"),
                              401: OpenApiResponse(description="missing or bad key"),
                              403: OpenApiResponse(description="school outside the key's organisation")})
    def post(self, request):
        key = services.key_for(request.headers.get(KEY_HEADER))
        if key is None:
            return Response({"detail": "invalid or missing X-Api-Key"}, status=status.HTTP_401_UNAUTHORIZED,
                            headers={"WWW-Authenticate": KEY_HEADER})
        data = IntakeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["school"] = fields.pop("school_code", None)
        clue, created = services.clue_intake(key=key, **fields)
        return Response({"id": clue.pk, "status": clue.status, "created": created},
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ClueDetailView(ServiceErrorsMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ClueSerializer})
    def get(self, request, pk):
        return Response(ClueSerializer(clue_for_viewer(get_clue_for_user(request.user, pk), request.user)).data)


urlpatterns = [
    path("clues/", ClueListView.as_view(), name="api-clues"),
    path("clues/<int:pk>/", ClueDetailView.as_view(), name="api-clue"),
]
